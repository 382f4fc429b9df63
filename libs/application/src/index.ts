/**
 * The application layer both services call: commands and reads of campaigns and positions, marks,
 * the event outbox, and the database they live in. Everything SQL stays inside this package.
 */
export { type DatabaseOptions, databaseProbe, MikroORM, migrate, openOrm, ormOptions } from './db/orm.js';
export { registerPoolMetrics } from './db/pool-metrics.js';
export { classifyDatabaseError, isDatabaseUnavailable } from './db/unavailable.js';
export { AccessAdmin } from './modules/access-admin.js';
export { AccountRisk, type SettingsChange } from './modules/accounts/account-risk.js';
export { CampaignCommands } from './modules/campaign-commands.js';
export type { CampaignSettingsInput, CreateCampaignInput } from './modules/campaigns/campaign.commands.js';
export { type CampaignPositionsView, CampaignReads, type CampaignView } from './modules/campaigns/campaign.reads.js';
export type { CampaignStamp } from './modules/campaigns/campaign.repository.js';
export type { ChangeResult, CommandOptions } from './modules/campaigns/campaign-change.js';
export { EquityReads, keptFrom } from './modules/equity/equity.reads.js';
export { pruneEquity } from './modules/equity/equity.repository.js';
export type { CreateKeyInput } from './modules/keys/key.commands.js';
export { createKeyHasher, type KeyHasher } from './modules/keys/key-hash.js';
export { createKeyVerifier, type KeyVerifier, type KeyVerifierOptions } from './modules/keys/key-verifier.js';
export { type Mark, type MarkResult, markPositions, markTicks, type SkippedMark, type TickText } from './modules/marks/mark-positions.js';
export { OpenBook } from './modules/marks/open-book.js';
export { type OpenEntries, openEntriesOf } from './modules/marks/open-entries.js';
export type { RefusedStopExit, StopExit } from './modules/marks/stop-exits.js';
export { deletePublishedEvents, type PublishEvents, publishPendingEvents } from './modules/outbox/outbox.commands.js';
export {
  type DirectPublishing,
  OUTBOX_CHANNEL,
  type OutboxBacklog,
  outboxBacklog,
  type PendingEvent,
} from './modules/outbox/outbox.repository.js';
export type { ExitResult, PositionResult } from './modules/positions/position.commands.js';
export type { PositionRow } from './modules/positions/position.mapper.js';
export { StatsReads } from './modules/stats/pattern-stats.js';
