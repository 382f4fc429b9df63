import {
  type CampaignUpdated,
  campaignUpdatedSchema,
  type WsError,
  type WsResumed,
  type WsSnapshot,
  wsErrorSchema,
  wsResumedSchema,
  wsSnapshotSchema,
} from '@cpt/contracts';

/** A message from the server, as the client received it. */
export type ServerMessage = WsSnapshot | CampaignUpdated | WsResumed | WsError | { type: 'pong' };

/** Parses a server message; with `validate`, checks it against the contract's schemas (throws when it does not match). */
export function parseServerMessage(text: string, validate: boolean): ServerMessage {
  const raw = JSON.parse(text) as unknown;
  const type = (raw as { type?: unknown } | null)?.type;
  if (!validate || type === 'pong') return raw as ServerMessage;
  if (type === 'snapshot') return wsSnapshotSchema.parse(raw);
  if (type === 'campaign_updated') return campaignUpdatedSchema.parse(raw);
  if (type === 'resumed') return wsResumedSchema.parse(raw);
  return wsErrorSchema.parse(raw);
}
