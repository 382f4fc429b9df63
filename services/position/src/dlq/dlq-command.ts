import { TOPICS } from '@cpt/messaging';
import type { Logger } from '@cpt/platform';
import type { Kafka } from 'kafkajs';
import {
  type DeadLetter,
  headerText,
  readAllDeadLetters,
  readDeadLetter,
  replayDeadLetter,
  replayMessage,
  topicBounds,
} from './dead-letters.js';
import { formatAddress, parseAddress, resolveAddress } from './dlq-address.js';

export const USAGE = `usage: npm run dlq -- <command>   (node services/position/dist/src/dlq/dlq-cli.js <command>)

The dead letters of ${TOPICS.ticksDeadLetter}: messages of ${TOPICS.ticks} the position service could not
process, each with an \`error\` header saying why.

  list [--limit N]    the newest N dead letters (default 50), oldest first: <partition>:<offset>, when,
                      key, error and the beginning of the value; and how many the topic keeps
  show <offset>       one dead letter in full: its headers and its value
  replay <offset>     publish it again to ${TOPICS.ticks}: the same key and value, the original
                      headers (x-request-id) and replayed-from: ${TOPICS.ticksDeadLetter}:<partition>:<offset>

<offset> is <partition>:<offset> as \`list\` prints it, or an offset alone when one partition only holds it.
KAFKA_BROKERS names the brokers (default 127.0.0.1:9092); LOG_LEVEL (default silent) the client's log.`;

/** Where the command writes: its results, and what went wrong. */
export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export interface DlqDeps {
  kafka: Kafka;
  log: Logger;
  io: Output;
}

type Parsed =
  | { command: 'list'; limit: number }
  | { command: 'show' | 'replay'; address: NonNullable<ReturnType<typeof parseAddress>> }
  | { command: 'help' }
  | { error: string };

/** The command line, checked. */
export function parseDlqArgs(argv: readonly string[]): Parsed {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command === 'list') {
    if (rest.length === 0) return { command, limit: 50 };
    const n = rest[0] === '--limit' && rest.length === 2 ? Number(rest[1]) : Number.NaN;
    if (!Number.isInteger(n) || n < 1) return { error: `list takes --limit N (N ≥ 1), not: ${rest.join(' ')}` };
    return { command, limit: n };
  }
  if (command === 'show' || command === 'replay') {
    if (rest.length !== 1) return { error: `${command} takes one <offset>` };
    const address = parseAddress(rest[0] as string);
    if (address === undefined) return { error: `not an offset: ${rest[0]} (<partition>:<offset>, or <offset>)` };
    return { command, address };
  }
  return { error: `unknown command: ${command}` };
}

/** Control characters shown, and long text cut, so that one dead letter is one line. */
const oneLine = (text: string, max: number): string => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes
  const shown = text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
};
const keyText = (letter: DeadLetter) => (letter.key === null ? '(no key)' : letter.key.toString('utf8'));

function listLine(letter: DeadLetter): string {
  return [
    formatAddress(letter).padEnd(10),
    letter.time.toISOString(),
    oneLine(keyText(letter), 24).padEnd(16),
    oneLine(headerText(letter, 'error') ?? '(no error header)', 80),
    `value: ${oneLine(letter.value.toString('utf8'), 60)}`,
  ].join('  ');
}

function showLines(letter: DeadLetter): string[] {
  const lines = [
    `message   ${TOPICS.ticksDeadLetter} ${formatAddress(letter)}`,
    `time      ${letter.time.toISOString()}`,
    `key       ${keyText(letter)}`,
    `error     ${headerText(letter, 'error') ?? '(no error header)'}`,
    'headers',
  ];
  for (const [name, value] of Object.entries(letter.headers)) lines.push(`  ${name}: ${value.toString('utf8')}`);
  lines.push(`value (${letter.value.length} bytes)`, letter.value.toString('utf8'));
  return lines;
}

/**
 * Runs one command of the dead-letter tool; returns the exit code: 0 done, 1 failed (the message
 * on `err`), 2 a wrong command line.
 */
export async function runDlq(argv: readonly string[], deps: DlqDeps): Promise<number> {
  const { io } = deps;
  const args = parseDlqArgs(argv);
  if ('error' in args) {
    io.err(`${args.error}\n\n${USAGE}`);
    return 2;
  }
  if (args.command === 'help') {
    io.out(USAGE);
    return 0;
  }
  try {
    const bounds = await topicBounds(deps.kafka, TOPICS.ticksDeadLetter);
    if (args.command === 'list') {
      const all = await readAllDeadLetters(deps.kafka, bounds);
      const shown = all.slice(-args.limit);
      io.out(
        all.length === 0
          ? `${TOPICS.ticksDeadLetter} keeps no dead letter`
          : `${TOPICS.ticksDeadLetter} keeps ${all.length} dead letters${shown.length < all.length ? `; the newest ${shown.length}` : ''}:`,
      );
      for (const letter of shown) io.out(listLine(letter));
      return 0;
    }
    const at = resolveAddress(TOPICS.ticksDeadLetter, bounds, args.address);
    const letter = await readDeadLetter(deps.kafka, bounds, at);
    if (args.command === 'show') {
      for (const line of showLines(letter)) io.out(line);
      return 0;
    }
    await replayDeadLetter(deps.kafka, deps.log, letter);
    const requestId = replayMessage(letter).headers['x-request-id'];
    io.out(
      `replayed ${TOPICS.ticksDeadLetter} ${formatAddress(letter)} to ${TOPICS.ticks}: key ${keyText(letter)}` +
        `${requestId === undefined ? '' : `, x-request-id ${requestId.toString()}`}, ${letter.value.length} bytes`,
    );
    return 0;
  } catch (err) {
    io.err(`dlq ${args.command}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
