import { NumberText } from '@cpt/contracts';
import { BadRequestError } from '@cpt/domain';
import { describe, expect, it } from 'vitest';
import { parseNdjson } from './ndjson.js';

describe('parseNdjson', () => {
  it('parses one value per line, skipping blank lines and CRLF endings', () => {
    expect(parseNdjson('{"a":"1"}\r\n\n  \n{"b":"2"}\n')).toEqual([{ a: '1' }, { b: '2' }]);
  });

  it('keeps the text of numbers', () => {
    expect(parseNdjson('{"price":1234567890.12345678}')).toEqual([{ price: new NumberText('1234567890.12345678') }]);
  });

  it('names the physical line of malformed JSON', () => {
    expect(() => parseNdjson('{"a":"1"}\n\n{"b":')).toThrow(new BadRequestError('line 3 is not valid JSON'));
    expect(() => parseNdjson('{"a":"1"}\n\n{"b":')).toThrow(BadRequestError);
  });

  it('rejects two values on one line', () => {
    expect(() => parseNdjson('{"a":"1"} {"b":"2"}')).toThrow('line 1 is not valid JSON');
  });

  it('gives nothing for a body of blank lines', () => {
    expect(parseNdjson('\n \n')).toEqual([]);
  });
});
