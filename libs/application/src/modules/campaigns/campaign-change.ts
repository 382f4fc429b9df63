import type { CampaignJson, CampaignUpdated, PositionJson, UpdateReason } from '@cpt/contracts';
import { checkIfMatch, NotFoundError } from '@cpt/domain';
import type { EntityManager } from '@mikro-orm/postgresql';
import { recordEvents } from '../outbox/outbox.commands.js';
import { selectPosition } from '../positions/position.repository.js';
import type { CampaignEntity } from './campaign.entity.js';
import { type CampaignRow, campaignJson } from './campaign.mapper.js';
import { lockCampaign, selectCampaign } from './campaign.repository.js';

/** Options every command takes. */
export interface CommandOptions {
  /** The version named by `If-Match`; the command fails with `version_conflict` when it differs. */
  ifMatch?: number;
  /** Correlates the command with its event. */
  requestId?: string;
  /** The command's clock; defaults to the current time. */
  now?: Date;
}

/** A committed structural change: the campaign's new version and its event. */
export interface ChangeResult {
  /** The campaign after the change. */
  campaign: CampaignJson;
  version: number;
  event: CampaignUpdated;
  /** The position the change touched, as the event carries it. */
  position?: PositionJson;
}

/**
 * Runs one structural change of a campaign in one transaction: lock the campaign row (the lock
 * every writer takes first), check `If-Match`, apply the change, bump `version` and `last_seq`,
 * and record the event in the outbox. `change` returns the id of the position it touched, if any.
 */
export function changeCampaign(
  root: EntityManager,
  campaignId: string,
  opts: CommandOptions,
  reason: UpdateReason,
  change: (em: EntityManager, c: CampaignEntity, now: Date) => Promise<string | null>,
): Promise<ChangeResult> {
  const now = opts.now ?? new Date();
  return root.fork().transactional(async (em) => {
    const c = await lockCampaign(em, campaignId);
    if (!c) throw new NotFoundError('campaign', campaignId);
    checkIfMatch(c.version, opts.ifMatch);
    const positionId = await change(em, c, now);
    c.version += 1;
    c.lastSeq += 1;
    c.updatedAt = now;
    await em.flush();
    const campaign = campaignJson((await selectCampaign(em, c.id)) as CampaignRow);
    const row = positionId ? await selectPosition(em, positionId) : undefined;
    const [event] = (await recordEvents(
      em,
      [
        {
          campaignId: c.id,
          seq: c.lastSeq,
          version: c.version,
          reason,
          changedPositions: row ? [row] : [],
          requestId: opts.requestId ?? null,
        },
      ],
      now,
    )) as [CampaignUpdated];
    const position = event.changed_positions[0];
    return position ? { campaign, version: c.version, event, position } : { campaign, version: c.version, event };
  });
}
