import type { CampaignJson } from '@cpt/contracts';
import { ApiError, type RestClient } from '@cpt/realtime-client/browser';
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { describe, type Problem, ProblemBox } from '../ui/errors.js';

export interface AutoExitToggleProps {
  campaign: CampaignJson;
  /** The version the trader sees: the toggle's `If-Match`. */
  version: number;
  rest: RestClient;
  /** The campaign as the gateway answered the change. */
  onChanged: (campaign: CampaignJson) => void;
  /** After a 409 `version_conflict`: the view reads the campaign afresh. */
  onConflict: () => void;
}

/**
 * The campaign's `auto_exit_on_stop` (section 8) as a switch: flipping it sends
 * `PATCH /api/v1/campaigns/{id}` with the version on screen as `If-Match`, so a change by anyone
 * else since is refused and told in words. A CLOSED campaign shows it, read-only.
 */
export function AutoExitToggle(p: AutoExitToggleProps): JSX.Element {
  const [pending, setPending] = useState<boolean | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const active = p.campaign.status === 'ACTIVE';
  const on = pending ?? p.campaign.auto_exit_on_stop;
  const change = async (e: Event) => {
    const wanted = (e.currentTarget as HTMLInputElement).checked;
    setPending(wanted);
    setProblem(null);
    try {
      const r = await p.rest.updateCampaign(p.campaign.id, { auto_exit_on_stop: wanted }, { ifMatch: p.version });
      p.onChanged(r.body);
    } catch (err) {
      setProblem(describe(err));
      if (err instanceof ApiError && err.code === 'version_conflict') p.onConflict();
    } finally {
      setPending(null);
    }
  };
  return (
    <div class="auto-exit">
      <label class="switch">
        <input
          type="checkbox"
          role="switch"
          data-testid="auto-exit"
          checked={on}
          aria-checked={on}
          disabled={!active || pending !== null}
          aria-describedby="auto-exit-hint"
          onChange={change}
        />
        Exit at the stop automatically
      </label>
      <small id="auto-exit-hint" class="muted">
        A tick at or through an open position’s stop closes it at that tick’s price.
      </small>
      <ProblemBox problem={problem} />
    </div>
  );
}
