import type { CampaignUpdated, WsSnapshot } from '@cpt/contracts';
import { applyUpdate, type CampaignState, stateFromSnapshot } from '@cpt/realtime-client';
import { waitFor } from '@cpt/testkit';
import WebSocket from 'ws';

/** A server frame as received. */
export type Frame = Record<string, unknown> & { type: string; campaign_id?: string; seq?: number };

/** The HTTP status an upgrade is refused with, or 101 when it is accepted. */
export function upgradeStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => {
        // The refused upgrade's connection is not a WebSocket: let it go, or it keeps the server open.
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    ws.once('error', (err) => reject(err));
  });
}

/** A bare WebSocket client that records every frame, for tests that look at the wire itself. */
export class WsProbe {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Frame));
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<WsProbe> {
    const ws = new WebSocket(url, options);
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

  /** The frames about one campaign. */
  of(campaignId: string): Frame[] {
    return this.frames.filter((f) => f.campaign_id === campaignId);
  }

  /** The seq of the last frame about the campaign. */
  lastSeq(campaignId: string): number | undefined {
    return this.of(campaignId).at(-1)?.seq;
  }

  /** Waits for the first frame, from `from` on, that matches. */
  next(match: (f: Frame) => boolean, what: string, from = 0, timeoutMs = 20_000): Promise<Frame> {
    return waitFor(() => this.frames.slice(from).find(match), { timeoutMs, what });
  }

  /** Waits until the campaign's frames reach `seq`. */
  untilSeq(campaignId: string, seq: number, timeoutMs = 20_000): Promise<Frame> {
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
export function replay(frames: Frame[]): CampaignState | undefined {
  let state: CampaignState | undefined;
  for (const f of frames) {
    if (f.type === 'snapshot') state = stateFromSnapshot(f as unknown as WsSnapshot);
    else if (f.type === 'campaign_updated' && state) state = applyUpdate(state, f as unknown as CampaignUpdated) ?? state;
  }
  return state;
}
