import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRequests } from './produce-requests.js';
import type { OutgoingMessage } from './publisher.js';

interface P {
  topic: string;
  messages: OutgoingMessage[];
}

const publishes = fc.array(
  fc.record({
    topic: fc.constantFrom('a', 'b'),
    messages: fc.array(fc.record({ key: fc.constantFrom('k1', 'k2', null), value: fc.string({ maxLength: 300 }) }), { maxLength: 8 }),
  }),
  { maxLength: 12 },
);

describe('planRequests', () => {
  it('sends every message once, in order, in requests of at most maxBytes unless one message is larger', () => {
    fc.assert(
      fc.property(publishes, fc.integer({ min: 50, max: 2000 }), (batch: P[], maxBytes) => {
        const requests = planRequests(batch, maxBytes);
        const sent = requests.flatMap((r) => r.topicMessages.flatMap((t) => t.messages.map((m) => `${t.topic}:${m.value}`)));
        const wanted = batch.flatMap((p) => p.messages.map((m) => `${p.topic}:${m.value}`));
        expect([...sent].sort()).toEqual([...wanted].sort());
        // Within a topic, the order of the publishes and of their messages is kept.
        for (const topic of ['a', 'b']) {
          const ofTopic = (xs: string[]) => xs.filter((x) => x.startsWith(`${topic}:`));
          expect(ofTopic(sent)).toEqual(ofTopic(wanted));
        }
        for (const r of requests) {
          const sizes = r.topicMessages.flatMap((t) => t.messages.map((m) => 32 + Buffer.byteLength(m.value ?? '') + (m.key ? 2 : 0)));
          if (sizes.length > 1) expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(maxBytes);
        }
      }),
    );
  });

  it('completes each publish in the request of its last message', () => {
    fc.assert(
      fc.property(publishes, fc.integer({ min: 50, max: 2000 }), (batch: P[], maxBytes) => {
        const requests = planRequests(batch, maxBytes);
        expect(requests.flatMap((r) => r.completes)).toEqual(batch);
        for (const p of batch) {
          const holding = requests.filter((r) => p.messages.some((m) => r.topicMessages.some((t) => t.messages.includes(m))));
          const completing = requests.find((r) => r.completes.includes(p));
          if (p.messages.length > 0) expect(completing).toBe(holding.at(-1));
        }
      }),
    );
  });

  it('packs two publishes of 300 bytes each into requests of 512 bytes, one a request', () => {
    const one = { topic: 'a', messages: [{ key: null, value: 'x'.repeat(268) }] };
    const two = { topic: 'a', messages: [{ key: null, value: 'y'.repeat(268) }] };
    const requests = planRequests([one, two], 512);
    expect(requests.map((r) => r.completes)).toEqual([[one], [two]]);
  });
});
