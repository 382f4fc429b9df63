import { Migration20261125000000Initial } from './migration-20261125000000-initial.js';
import { Migration20261125020000MarkRoom } from './migration-20261125020000-mark-room.js';
import { Migration20261130001921PositionsTimeframeCheck } from './migration-20261130001921-positions-timeframe-check.js';
import { Migration20261130002558AccountsKeysJournal } from './migration-20261130002558-accounts-keys-journal.js';
import { Migration20261130024751ExitsFeesAndRisk } from './migration-20261130024751-exits-fees-and-risk.js';
import { Migration20261130030911ExcursionsMarksEquity } from './migration-20261130030911-excursions-marks-equity.js';
import { Migration20261130090000StopsThatAct } from './migration-20261130090000-stops-that-act.js';
import { Migration20261130120000MarksPerSymbol } from './migration-20261130120000-marks-per-symbol.js';
import { Migration20261130190000OutboxLz4 } from './migration-20261130190000-outbox-lz4.js';
import { Migration20261201090000OutboxPayloadText } from './migration-20261201090000-outbox-payload-text.js';

/**
 * The committed migrations, in order; the migrator applies what is missing. `npm run
 * migration:create` generates a migration from the entities and appends it here.
 */
export const MIGRATIONS = [
  { name: 'Migration20261125000000Initial', class: Migration20261125000000Initial },
  { name: 'Migration20261125020000MarkRoom', class: Migration20261125020000MarkRoom },
  { name: 'Migration20261130001921PositionsTimeframeCheck', class: Migration20261130001921PositionsTimeframeCheck },
  { name: 'Migration20261130002558AccountsKeysJournal', class: Migration20261130002558AccountsKeysJournal },
  { name: 'Migration20261130024751ExitsFeesAndRisk', class: Migration20261130024751ExitsFeesAndRisk },
  { name: 'Migration20261130030911ExcursionsMarksEquity', class: Migration20261130030911ExcursionsMarksEquity },
  { name: 'Migration20261130090000StopsThatAct', class: Migration20261130090000StopsThatAct },
  { name: 'Migration20261130120000MarksPerSymbol', class: Migration20261130120000MarksPerSymbol },
  { name: 'Migration20261130190000OutboxLz4', class: Migration20261130190000OutboxLz4 },
  { name: 'Migration20261201090000OutboxPayloadText', class: Migration20261201090000OutboxPayloadText },
];
