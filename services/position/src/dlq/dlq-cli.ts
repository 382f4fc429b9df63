import { createKafka } from '@cpt/messaging';
import { brokersVar, configOrExit, createLogger, parseEnv } from '@cpt/platform';
import { z } from 'zod';
import { runDlq } from './dlq-command.js';

/**
 * `npm run dlq -- list|show <offset>|replay <offset>`: the operator's tool for `market.ticks.dlq`
 * (docs/operations.md, Dead letters). Also in the position image:
 * `node services/position/dist/src/dlq/dlq-cli.js list`.
 */
const env = configOrExit(() =>
  parseEnv(
    z.object({
      KAFKA_BROKERS: brokersVar,
      LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('silent'),
    }),
  ),
);
const log = createLogger('dlq', env.LOG_LEVEL);
const kafka = createKafka({ brokers: env.KAFKA_BROKERS, clientId: 'dlq-cli' }, log);
process.exitCode = await runDlq(process.argv.slice(2), {
  kafka,
  log,
  io: { out: (line) => console.log(line), err: (line) => console.error(line) },
});
