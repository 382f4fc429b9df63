import { z } from 'zod';
import { campaignPositionsSchema } from './campaigns.js';
import { uuid } from './primitives.js';
import { MAX_CAMPAIGNS_PER_SUBSCRIBE } from './wire.js';

const campaignIds = z.array(uuid).min(1).max(MAX_CAMPAIGNS_PER_SUBSCRIBE);

/** What a WebSocket client may send. */
export const wsClientMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('subscribe'),
    campaign_ids: campaignIds,
    resume: z.record(z.string(), z.number().int().nonnegative()).optional(),
  }),
  z.object({ type: z.literal('unsubscribe'), campaign_ids: campaignIds }),
  z.object({ type: z.literal('ping') }),
]);
export type WsClientMessage = z.infer<typeof wsClientMessage>;

export const wsSnapshotSchema = z.object({
  type: z.literal('snapshot'),
  campaign_id: z.string(),
  seq: z.number().int().nonnegative(),
  data: campaignPositionsSchema,
});
export type WsSnapshot = z.infer<typeof wsSnapshotSchema>;

export const wsErrorSchema = z.object({
  type: z.literal('error'),
  code: z.string(),
  message: z.string(),
  /** The campaign the error concerns, when it concerns one. */
  campaign_id: z.string().optional(),
});
export type WsError = z.infer<typeof wsErrorSchema>;

/** The answer to a `resume` served from what the server holds: `seq` is the client's own last seq. */
export const wsResumedSchema = z.object({ type: z.literal('resumed'), campaign_id: z.string(), seq: z.number().int().nonnegative() });
export type WsResumed = z.infer<typeof wsResumedSchema>;
