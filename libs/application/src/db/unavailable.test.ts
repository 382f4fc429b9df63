import { UnavailableError } from '@cpt/domain';
import { ConnectionException, DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { classifyDatabaseError, isDatabaseUnavailable } from './unavailable.js';

/** An error as pg or Node raises it: a message, and a code when there is one. */
const pgError = (message: string, code?: string): Error => Object.assign(new Error(message), code === undefined ? {} : { code });

/** The same error as MikroORM hands it on: its message after the statement, in one of its exceptions. */
const viaMikroOrm = (err: Error, sql = 'select 1'): DriverException => {
  err.message = `${sql} - ${err.message}`;
  return new DriverException(err);
};

describe('isDatabaseUnavailable', () => {
  // A drill stopped PostgreSQL under a running gateway: a command in a transaction got this from
  // its next statement and was answered 500, and the marks consumer dead-lettered valid ticks.
  it.each([
    ['Client has encountered a connection error and is not queryable'],
    ['Client was closed and is not queryable'],
    ['Connection terminated unexpectedly'],
    ['Connection terminated due to connection timeout'],
    ['Connection terminated'],
    ['Connection ended unexpectedly'],
    ['timeout expired'],
    ['timeout exceeded when trying to connect'],
    ['Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?'],
    ['Unable to acquire a connection'],
    ['connect ECONNREFUSED 127.0.0.1:5432'],
  ])('is true for pg’s “%s”, alone and as MikroORM wraps it', (message) => {
    expect(isDatabaseUnavailable(pgError(message))).toBe(true);
    expect(isDatabaseUnavailable(viaMikroOrm(pgError(message)))).toBe(true);
    expect(isDatabaseUnavailable(viaMikroOrm(pgError(message), 'update "positions" set "current_price" = $1 where "id" in ($2)'))).toBe(
      true,
    );
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'])(
    'is true for the socket error %s',
    (code) => {
      expect(isDatabaseUnavailable(pgError(`read ${code}`, code))).toBe(true);
      expect(isDatabaseUnavailable(new DriverException(pgError(`read ${code}`, code)))).toBe(true);
    },
  );

  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P02', 'terminating connection due to crash of another server process'],
    ['57P03', 'the database system is shutting down'],
    ['57P03', 'the database system is starting up'],
    ['57P05', 'terminating connection due to idle-session timeout'],
    ['53300', 'sorry, too many clients already'],
    ['08006', 'connection failure'],
    ['08001', 'could not connect'],
    ['08P01', 'protocol violation'],
  ])('is true for SQLSTATE %s (%s)', (code, message) => {
    expect(isDatabaseUnavailable(pgError(message, code))).toBe(true);
    expect(isDatabaseUnavailable(viaMikroOrm(pgError(message, code)))).toBe(true);
  });

  it('is true for the classes and wrappers the errors come in', () => {
    expect(isDatabaseUnavailable(new ConnectionException(pgError('whatever the driver said')))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('operation timed out'), { name: 'KnexTimeoutError' }))).toBe(true);
    // Node's happy-eyeballs connect: one error per address tried.
    const refused = new AggregateError([pgError('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED'), pgError('x', 'ECONNREFUSED')], '');
    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(isDatabaseUnavailable(new Error('the marks transaction failed', { cause: pgError('Connection terminated unexpectedly') }))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(Object.assign(new Error('wrapped'), { previous: pgError('x', '57P01') }))).toBe(true);
  });

  it.each([
    ['a unique violation', new UniqueConstraintViolationException(pgError('duplicate key value violates unique constraint', '23505'))],
    ['a serialization failure', pgError('could not serialize access due to concurrent update', '40001')],
    ['a numeric overflow', viaMikroOrm(pgError('numeric field overflow', '22003'))],
    ['a statement timeout', viaMikroOrm(pgError('canceling statement due to statement timeout', '57014'))],
    ['a bug', new TypeError('Cannot read properties of undefined')],
    // The phrase inside the statement (a user's text, say) is not the driver's message.
    [
      'a statement quoting the phrase',
      viaMikroOrm(
        pgError('value too long for type character varying(200)', '22001'),
        "insert into t values ('Connection terminated unexpectedly')",
      ),
    ],
    ['nothing', undefined],
    ['a string', 'Connection terminated unexpectedly'],
  ])('is false for %s', (_what, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });

  it('stops at a cycle of causes', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    a.cause = new Error('b', { cause: a });
    expect(isDatabaseUnavailable(a)).toBe(false);
  });
});

describe('classifyDatabaseError', () => {
  it('turns an outage into the contract’s unavailable (503), keeping the cause, and leaves anything else', () => {
    const lost = viaMikroOrm(pgError('Client has encountered a connection error and is not queryable'));
    const classified = classifyDatabaseError(lost);
    expect(classified).toBeInstanceOf(UnavailableError);
    expect(classified).toMatchObject({ code: 'unavailable', cause: lost });
    const bug = new TypeError('x');
    expect(classifyDatabaseError(bug)).toBe(bug);
  });
});
