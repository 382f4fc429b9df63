import type { CampaignUpdated, WsSnapshot } from '@cpt/contracts';
import { applyUpdate, type CampaignState, stateFromSnapshot } from '@cpt/realtime-client';
import { type TestKey, waitFor } from '@cpt/testkit';
import WebSocket from 'ws';
import { testKey } from '../support/http.js';

/** A server frame as received, with its text. */
export type Frame = Record<string, unknown> & { type: string; campaign_id?: string; seq?: number; text: string };

/** A bare WebSocket client that records every frame, for tests that look at the wire itself. */
export class WsProbe {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      this.frames.push({ ...(JSON.parse(text) as Frame), text });
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Connects to a gateway's base URL (`http://host:port`) with this file's test key (in the header). */
  static async open(gatewayUrl: string, key: TestKey | Promise<TestKey> = testKey()): Promise<WsProbe> {
    const ws = new WebSocket(`${gatewayUrl.replace(/^http/, 'ws')}/api/v1/ws`, { headers: (await key).headers });
    const probe = new WsProbe(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return probe;
  }

  /** Sends an object as JSON, or a string exactly as written. */
  send(m: unknown): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  subscribe(campaignIds: string[], resume?: Record<string, number>): void {
    this.send(resume ? { type: 'subscribe', campaign_ids: campaignIds, resume } : { type: 'subscribe', campaign_ids: campaignIds });
  }

  of(campaignId: string): Frame[] {
    return this.frames.filter((f) => f.campaign_id === campaignId);
  }

  next(match: (f: Frame) => boolean, what: string, timeoutMs = 30_000): Promise<Frame> {
    return waitFor(() => this.frames.find(match), { timeoutMs, what });
  }

  untilSeq(campaignId: string, seq: number, timeoutMs = 30_000): Promise<Frame> {
    return waitFor(() => this.of(campaignId).find((f) => (f.seq ?? -1) >= seq), { timeoutMs, what: `seq ${seq} of ${campaignId}` });
  }

  /** Stops reading from the socket (its TCP window fills up), as a client that hangs would. */
  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

/** The state a client holds after applying the frames of one campaign in order. */
export function replay(frames: readonly Frame[]): CampaignState | undefined {
  let state: CampaignState | undefined;
  for (const f of frames) {
    if (f.type === 'snapshot') state = stateFromSnapshot(f as unknown as WsSnapshot);
    else if (f.type === 'campaign_updated' && state) state = applyUpdate(state, f as unknown as CampaignUpdated) ?? state;
  }
  return state;
}

/** Whether each seq is above the one before. */
export const increasing = (frames: readonly Frame[]): boolean =>
  frames.every((f, i) => i === 0 || (f.seq ?? 0) > (frames[i - 1]?.seq ?? 0));
