import { createLogger } from '@cpt/platform';
import { beforeEach, describe, expect, it } from 'vitest';
import { CAMPAIGN, event, OTHER } from '../../test/realtime-events.js';
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
  const publish = (seq: number, campaignId = CAMPAIGN) => hub.ingest(JSON.stringify(event(seq, `${seq}.00000000`, campaignId)));
  const send = (m: unknown) => session.onMessage(Buffer.from(typeof m === 'string' ? m : JSON.stringify(m)), false);
  const frames = () => socket.take().map((f) => [f.type, f.campaign_id, f.seq]);

  beforeEach(() => {
    hub = new EventsHub({ log, bufferEvents: 4, bufferBytes: 1_000_000 });
    reads = new FakeReads();
    socket = new FakeSocket();
    const writer = new ClientWriter(socket.asWebSocket(), {
      maxBufferedBytes: 1000,
      slowClientDeadlineMs: 60_000,
      onStuck: () => undefined,
    });
    session = new ClientSession(writer, { hub, loader: new SnapshotLoader(reads, 2), log, classifyError: (e) => e });
  });

  it('sends the snapshot, then only the events held during the read that are newer than it', async () => {
    publish(1);
    send({ type: 'subscribe', campaign_ids: [CAMPAIGN.toUpperCase()] });
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
    send({ type: 'subscribe', campaign_ids: [CAMPAIGN] });
    expect(frames()).toEqual([]);
    expect(reads.reads).toBe(1);
  });

  it('replaces a gap in the stream with a fresh snapshot', async () => {
    send({ type: 'subscribe', campaign_ids: [CAMPAIGN] });
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
    send({ type: 'subscribe', campaign_ids: [CAMPAIGN] });
    publish(7);
    await reads.answer(5);
    expect(frames()).toEqual([]);
    await reads.answer(7);
    expect(frames()).toEqual([['snapshot', CAMPAIGN, 7]]);
  });

  it('resumes from the buffer, by snapshot when the buffer lost events, and with nothing when up to date', async () => {
    for (let seq = 1; seq <= 6; seq++) publish(seq);
    send({ type: 'subscribe', campaign_ids: [CAMPAIGN, OTHER], resume: { [CAMPAIGN]: 4, [OTHER]: 9 } });
    expect(frames()).toEqual([
      ['campaign_updated', CAMPAIGN, 5],
      ['campaign_updated', CAMPAIGN, 6],
    ]);
    await reads.answer(9);
    expect(frames()).toEqual([]);
    publish(10, OTHER);
    expect(frames()).toEqual([['campaign_updated', OTHER, 10]]);

    send({ type: 'unsubscribe', campaign_ids: [CAMPAIGN] });
    send({ type: 'subscribe', campaign_ids: [CAMPAIGN], resume: { [CAMPAIGN]: 1 } });
    await reads.answer(6);
    expect(frames()).toEqual([['snapshot', CAMPAIGN, 6]]);
  });

  it('answers malformed messages and unknown campaigns with an error and carries on', async () => {
    send('{"type": "subscribe"');
    send({ type: 'subscribe', campaign_ids: ['not-a-uuid'] });
    send({ type: 'shout' });
    session.onMessage(Buffer.from('{}'), true);
    send({ type: 'subscribe', campaign_ids: [CAMPAIGN] });
    await reads.notFound();
    send({ type: 'ping' });
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
    expect(session.subscriptions).toBe(0);
  });

  it('sends nothing for a campaign unsubscribed while its snapshot was read', async () => {
    send({ type: 'subscribe', campaign_ids: [CAMPAIGN] });
    send({ type: 'unsubscribe', campaign_ids: [CAMPAIGN] });
    await reads.answer(3);
    publish(4);
    await settle();
    expect(frames()).toEqual([]);
  });

  it('conflates while the socket is backed up and flushes the merge when a write completes', async () => {
    send({ type: 'subscribe', campaign_ids: [CAMPAIGN] });
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
