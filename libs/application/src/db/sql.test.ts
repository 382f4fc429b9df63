import { describe, expect, it } from 'vitest';
import { pgArray, statement } from './sql.js';

describe('statement', () => {
  it('names a text by its hash: the same text the same name on every connection, another text another', () => {
    const a = statement('select 1 where ? = ?');
    expect(a.text).toBe('select 1 where ? = ?');
    expect(a.name).toMatch(/^cpt_[0-9a-f]{24}$/);
    expect(statement('select 1 where ? = ?').name).toBe(a.name);
    expect(statement('select 2 where ? = ?').name).not.toBe(a.name);
    expect(Object.isFrozen(a)).toBe(true);
  });
});

describe('pgArray', () => {
  it('quotes each value, escaping quotes and backslashes', () => {
    expect(pgArray(['a', 'b"c', 'd\\e'])).toBe('{"a","b\\"c","d\\\\e"}');
    expect(pgArray([])).toBe('{}');
  });
});
