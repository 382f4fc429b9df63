import { createLogger } from '@cpt/platform';
import { beforeEach, describe, expect, it } from 'vitest';
import { CAMPAIGN, event, headersOf, OTHER } from '../../test/realtime-events.js';

const ACCOUNT = '9a8b7c6d-0000-4000-8000-000000000001';

import { FakeReads, FakeSocket, settle } from '../../test/realtime-fakes.js';
import { ClientSession } from './client-session.js';
import { ClientWriter } from './client-writer.js';
import { EventsHub } from './events-hub.js';
import { SnapshotLoader } from './snapshot-loader.js';

const log = createLogger('test', 'silent');

describe('ClientSession', () => {
  let hub: EventsHub;
  let reads: FakeReads;
  let socket: FakeSocket;
  let session: ClientSession;
  let overloads: number;
  const publish = (seq: number, campaignId = CAMPAIGN) => hub.ingest(JSON.stringify(event(seq, `${seq}.00000000`, campaignId)));
  /** Sends a client message and lets the session's checks (the account's campaigns) run. */
  const send = async (m: unknown) => {
    session.onMessage(Buffer.from(typeof m === 'string' ? m : JSON.stringify(m)), false);
    await settle();
  };
  const frames = () => socket.take().map((f) => [f.type, f.campaign_id, f.seq]);

  beforeEach(() => {
    hub = new EventsHub({ log, bufferEvents: 4, bufferBytes: 1_000_000 });
    reads = new FakeReads();
    socket = new FakeSocket();
    overloads = 0;
    const loader = new SnapshotLoader(reads, 2);
    const writer = new ClientWriter(socket.asWebSocket(), {
      maxBufferedBytes: 1000,
      maxUnsentBytes: 1_000_000,
      slowClientDeadlineMs: 60_000,
      onStuck: () => undefined,
      onOverflow: () => undefined,
      onResync: (campaignId) => session.resync(campaignId),
      onDrain: () => loader.pump(),
    });
    session = new ClientSession(writer, {
      hub,
      loader,
      access: (accountId, ids) => reads.ownedCampaigns(accountId, ids),
      accountId: ACCOUNT,
      maxPending: 3,
      onOverload: () => overloads++,
      log,
      classifyError: (e) => e,
    });
  });

  it('sends the snapshot, then only the events held during the read that are newer than it', async () => {
    publish(1);
    await send({ type: 'subscribe', campaign_ids: [CAMPAIGN.toUpperCase()] });
    publish(2);
    publish(3);
    await reads.answer(2);
    publish(4);
    expect(frames()).toEqual([
      ['snapshot', CAMPAIGN, 2],
      ['campaign_updated', CAMPAIGN, 3],
      ['campaign_updated', CAMPAIGN, 4],
    ]);
    publish(4);
    publish(3);
    // Already followed: nothing changes, and the answer says where the subscription stands.
    await send({ type: 'subscribe', campaign_ids: [CAMPAIGN] });
    expect(frames()).toEqual([['resumed', CAMPAIGN, 4]]);
    expect(reads.reads).toBe(1);
  });

  it('sends a fresh snapshot to a client behind when an event it must merge is not a valid message', async () => {
    await send({ type: 'subscribe', campaign_ids: [CAMPAIGN] });
    await reads.answer(0);
    publish(1);
    socket.bufferedAmount = 5000;
    // Taken by their headers, unparsed; only the client that fell behind needs them read.
    hub.ingest(JSON.stringify(event(2)), {}, headersOf(event(2)));
    hub.ingest(`{"type":"campaign_updated","campaign_id":"${CAMPAIGN}","seq":3,"totals":null}`, {}, headersOf(event(3)));
    // The read waits for the socket to have room.
    expect(reads.pending).toBe(0);
    socket.drain();
    expect(reads.pending).toBe(1);
    await reads.answer(3);
    publish(4);
    // Seq 2 was merged, not sent: the snapshot at 3 brings the client past both.
    expect(frames()).toEqual([
      ['snapshot', CAMPAIGN, 0],
      ['campaign_updated', CAMPAIGN, 1],
      ['snapshot', CAMPAIGN, 3],
      ['campaign_updated', CAMPAIGN, 4],
    ]);
  });

  it('replaces a gap in the stream with a fresh snapshot', async () => {
    await send({ type: 'subscribe', campaign_ids: [CAMPAIGN] });
    await reads.answer(0);
    publish(1);
    publish(3);
    publish(4);
    expect(reads.pending).toBe(1);
    await reads.answer(3);
    publish(5);
    expect(frames()).toEqual([
      ['snapshot', CAMPAIGN, 0],
      ['campaign_updated', CAMPAIGN, 1],
      ['snapshot', CAMPAIGN, 3],
      ['campaign_updated', CAMPAIGN, 4],
      ['campaign_updated', CAMPAIGN, 5],
    ]);
  });

  it('reads again when the held events do not follow the snapshot', async () => {
    await send({ type: 'subscribe', campaign_ids: [CAMPAIGN] });
    publish(7);
    await reads.answer(5);
    expect(frames()).toEqual([]);
    await reads.answer(7);
    expect(frames()).toEqual([['snapshot', CAMPAIGN, 7]]);
  });

  it('resumes from the buffer, by snapshot when the buffer lost events, and with nothing when up to date', async () => {
    for (let seq = 1; seq <= 6; seq++) publish(seq);
    await send({ type: 'subscribe', campaign_ids: [CAMPAIGN, OTHER], resume: { [CAMPAIGN]: 4, [OTHER]: 9 } });
    expect(frames()).toEqual([
      ['resumed', CAMPAIGN, 4],
      ['campaign_updated', CAMPAIGN, 5],
      ['campaign_updated', CAMPAIGN, 6],
    ]);
    // Nothing held for OTHER: its snapshot shows the client is up to date.
    await reads.answer(9);
    expect(frames()).toEqual([['resumed', OTHER, 9]]);
    publish(10, OTHER);
    expect(frames()).toEqual([['campaign_updated', OTHER, 10]]);

    await send({ type: 'unsubscribe', campaign_ids: [CAMPAIGN] });
    await send({ type: 'subscribe', campaign_ids: [CAMPAIGN], resume: { [CAMPAIGN]: 1 } });
    await reads.answer(6);
    expect(frames()).toEqual([['snapshot', CAMPAIGN, 6]]);
  });

  it('answers malformed messages and unknown campaigns with an error and carries on', async () => {
    await send('{"type": "subscribe"');
    await send({ type: 'subscribe', campaign_ids: ['not-a-uuid'] });
    await send({ type: 'shout' });
    session.onMessage(Buffer.from('{}'), true);
    reads.unknown.add(CAMPAIGN);
    await send({ type: 'subscribe', campaign_ids: [CAMPAIGN] });
    await send({ type: 'ping' });
    const sent = socket.take();
    expect(sent.map((f) => [f.type, f.code])).toEqual([
      ['error', 'bad_request'],
      ['error', 'validation_failed'],
      ['error', 'validation_failed'],
      ['error', 'bad_request'],
      ['error', 'not_found'],
      ['pong', undefined],
    ]);
    expect(sent[1]?.message).toMatch(/campaign_ids\[0\]/);
    expect(sent[4]?.message).toBe(`campaign ${CAMPAIGN} not found`);
    expect(sent[4]?.campaign_id).toBe(CAMPAIGN);
    expect(reads.reads).toBe(0);
    expect(session.subscriptions).toBe(0);
  });

  it('sends nothing for a campaign unsubscribed while its snapshot was read', async () => {
    await send({ type: 'subscribe', campaign_ids: [CAMPAIGN] });
    await send({ type: 'unsubscribe', campaign_ids: [CAMPAIGN] });
    await reads.answer(3);
    publish(4);
    await settle();
    expect(frames()).toEqual([]);
  });

  it('drops a snapshot read that has not started when its campaign is unsubscribed', async () => {
    const ids = ['a', 'b', 'c'].map((x) => CAMPAIGN.replace(/^./, x));
    await send({ type: 'subscribe', campaign_ids: ids });
    // Two reads run (the loader's bound); the third waits, and goes with its subscription.
    expect(reads.pending).toBe(2);
    await send({ type: 'unsubscribe', campaign_ids: [ids[2]] });
    await reads.answer(1);
    await reads.answer(1);
    expect(reads.reads).toBe(2);
    expect(frames().map((f) => f[1])).toEqual([ids[0], ids[1]]);
  });

  it('closes a connection with more campaigns waiting for an answer than allowed', async () => {
    const ids = ['a', 'b', 'c', 'd'].map((x) => CAMPAIGN.replace(/^./, x));
    await send({ type: 'subscribe', campaign_ids: ids.slice(0, 3) });
    expect(overloads).toBe(0);
    await send({ type: 'subscribe', campaign_ids: ids.slice(3) });
    expect(overloads).toBe(1);
  });

  it('counts only a pong as a sign of life', async () => {
    session.alive = false;
    await send({ type: 'ping' });
    expect(session.alive).toBe(false);
  });

  it('conflates while the socket is backed up and flushes the merge when a write completes', async () => {
    await send({ type: 'subscribe', campaign_ids: [CAMPAIGN] });
    await reads.answer(0);
    publish(1);
    socket.bufferedAmount = 5000;
    publish(2);
    publish(3);
    expect(frames()).toEqual([
      ['snapshot', CAMPAIGN, 0],
      ['campaign_updated', CAMPAIGN, 1],
    ]);
    socket.drain();
    const [merged] = socket.take();
    expect(merged).toEqual(event(3, '3.00000000'));
    publish(4);
    expect(frames()).toEqual([['campaign_updated', CAMPAIGN, 4]]);
  });
});
