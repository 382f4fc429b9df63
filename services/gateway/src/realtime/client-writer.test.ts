import type { CampaignUpdated } from '@cpt/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { event, position } from '../../test/realtime-events.js';
import { FakeSocket } from '../../test/realtime-fakes.js';
import { ClientWriter } from './client-writer.js';
import { ConflatedUpdate } from './conflated-update.js';
import { HubEvent } from './hub-event.js';

const hubEvent = (seq: number) => {
  const e = event(seq);
  return new HubEvent(e.campaign_id, seq, Buffer.from(JSON.stringify(e)));
};

describe('ClientWriter', () => {
  let socket: FakeSocket;
  let stuck: number;
  let overflows: number;
  let drains: number;
  let writer: ClientWriter;
  beforeEach(() => {
    vi.useFakeTimers();
    socket = new FakeSocket();
    stuck = 0;
    overflows = 0;
    drains = 0;
    writer = new ClientWriter(socket.asWebSocket(), {
      maxBufferedBytes: 100,
      maxUnsentBytes: 10_000,
      slowClientDeadlineMs: 1000,
      onStuck: () => stuck++,
      onOverflow: () => overflows++,
      onDrain: () => drains++,
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the hub bytes themselves while the socket keeps up', () => {
    const e = hubEvent(1);
    writer.sendEvent(e);
    expect(socket.frames).toEqual([e.bytes.toString()]);
  });

  it('gives up on a client whose writes stop completing, once, after the deadline', () => {
    writer.sendEvent(hubEvent(1));
    socket.bufferedAmount = 500;
    writer.sendEvent(hubEvent(2));
    vi.advanceTimersByTime(999);
    expect(stuck).toBe(0);
    vi.advanceTimersByTime(1);
    expect(stuck).toBe(1);
    writer.sendEvent(hubEvent(3));
    socket.drain();
    vi.advanceTimersByTime(5000);
    expect(stuck).toBe(1);
    expect(socket.take().map((f) => f.seq)).toEqual([1]);
  });

  it('keeps a client that reads slowly but steadily', () => {
    for (let seq = 1; seq <= 10; seq++) writer.sendEvent(hubEvent(seq));
    socket.bufferedAmount = 500;
    for (let seq = 11; seq < 20; seq++) {
      writer.sendEvent(hubEvent(seq));
      vi.advanceTimersByTime(600);
      socket.completeOne(400);
    }
    expect(stuck).toBe(0);
    socket.drain();
    expect(socket.take().map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 19]);
  });

  it('sends a client that fell behind the latest event itself while it covers the ones it missed, not a merge', () => {
    writer.sendEvent(hubEvent(1));
    socket.bufferedAmount = 500;
    // Each changes the one position: each covers the one before it.
    const missed = [2, 3, 4].map((seq) => hubEvent(seq));
    const stringify = vi.spyOn(JSON, 'stringify');
    for (const e of missed) writer.sendEvent(e);
    socket.drain();
    expect(stringify).not.toHaveBeenCalled();
    stringify.mockRestore();
    expect(socket.frames).toEqual([hubEvent(1).bytes.toString(), missed[2]?.bytes.toString()]);
    expect(writer.counts).toEqual({ sent: 2, merged: 3 });
  });

  it('merges from the latest covering event on once an event does not cover the ones missed', () => {
    // 2 and 3 change position A (3 covers 2), 4 changes B only, 5 changes A only: 5 does not cover 4.
    const changing = (seq: number, id: string) => {
      const e = { ...event(seq), changed_positions: [position(id, `${seq}.00000000`)] };
      return { e, hub: new HubEvent(e.campaign_id, seq, Buffer.from(JSON.stringify(e))) };
    };
    const A = 'aaaaaaaa-8a55-4b8e-9d43-2f6c1c1e9e10';
    const B = 'bbbbbbbb-8a55-4b8e-9d43-2f6c1c1e9e10';
    const missed = [changing(2, A), changing(3, A), changing(4, B), changing(5, A)];
    writer.sendEvent(hubEvent(1));
    socket.bufferedAmount = 500;
    for (const m of missed) writer.sendEvent(m.hub);
    socket.drain();
    const [, three, four, five] = missed.map((m) => m.e) as [CampaignUpdated, CampaignUpdated, CampaignUpdated, CampaignUpdated];
    const merged = new ConflatedUpdate(three);
    merged.merge(four);
    merged.merge(five);
    const [frame] = socket.take().slice(1);
    expect(frame).toEqual(merged.toMessage());
    // B's change of seq 4 is in it, which the last event alone does not carry.
    expect(((frame?.changed_positions ?? []) as { id: string }[]).map((p) => p.id)).toEqual([A, B]);
  });

  it('drops what is pending for a campaign that a snapshot replaces', () => {
    writer.sendEvent(hubEvent(1));
    socket.bufferedAmount = 500;
    writer.sendEvent(hubEvent(2));
    writer.drop(event(2).campaign_id);
    vi.advanceTimersByTime(5000);
    socket.drain();
    expect(stuck).toBe(0);
    expect(socket.take().map((f) => f.seq)).toEqual([1]);
  });

  it('closes instead of holding more than the unsent bound, whatever the frame', () => {
    socket.bufferedAmount = 9_990;
    writer.send('{"type":"pong"}');
    expect(overflows).toBe(1);
    writer.send('{"type":"pong"}');
    writer.sendEvent(hubEvent(1));
    expect(overflows).toBe(1);
    expect(socket.frames).toEqual([]);
  });

  it('tells when a socket found backed up has room again, once', () => {
    writer.send('{"type":"pong"}');
    socket.bufferedAmount = 500;
    expect(writer.ready()).toBe(false);
    socket.completeOne(300);
    expect(drains).toBe(0);
    writer.send('{"type":"pong"}');
    socket.completeOne(0);
    expect(drains).toBe(1);
    expect(writer.ready()).toBe(true);
    writer.send('{"type":"pong"}');
    socket.completeOne(0);
    expect(drains).toBe(1);
  });
});
