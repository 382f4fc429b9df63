import type { CampaignUpdated } from '@cpt/contracts';
import { dec } from '@cpt/domain';
import { applyUpdate, type CampaignState } from '@cpt/realtime-client';
import { describe, expect, it } from 'vitest';
import { markPositions, OpenBook } from '../src/index.js';
import { at, newCampaign, uniqueSymbol, useTestApp } from './support.js';

/**
 * A batch of marks that keeps the campaigns it read (the position service's book) sees every
 * command made between two batches: each one bumps the campaign's `last_seq`, so the next batch
 * reads the campaign again. Each batch's update, merged into the campaign as a client holds it,
 * gives what a read shows at the same seq: the risk of a moved stop, the shares and fees of a
 * partial exit, a new position, a closed one.
 */
describe('batches of marks keeping their campaigns (the book)', () => {
  const app = useTestApp();

  it('see the stops, exits, entries and closes made between them, as reads do', async () => {
    const { orm, caller, commands, reads } = app;
    const book = new OpenBook(1_000);
    const symbol = uniqueSymbol('OB');
    const campaign = (await newCampaign(commands, caller, 'LONG', symbol)).id;
    const first = await commands.addPosition(caller, campaign, {
      patternType: 'SPRING',
      entryPrice: dec('100'),
      shares: dec('10'),
      stopLoss: dec('90'),
      entryDate: at(0),
    });
    const second = await commands.addPosition(caller, campaign, {
      patternType: 'SPRING',
      entryPrice: dec('101'),
      shares: dec('5'),
      stopLoss: dec('95'),
      entryDate: at(1),
    });
    const start = await reads.getCampaignPositions(caller.accountId, campaign, { includeClosed: true });
    let state: CampaignState = { campaignId: campaign, seq: start.seq, data: start.data };
    const apply = (e: CampaignUpdated) => {
      state = applyUpdate(state, e) ?? state;
    };

    /** A batch of one tick; its update merged, then compared with a read. */
    const batch = async (price: string, second: number) => {
      const result = await markPositions(orm.em, [{ symbol, price: dec(price), ts: at(second) }], { book });
      expect(result.events.map((e) => [e.campaign_id, e.reason])).toEqual([[campaign, 'marked']]);
      for (const e of result.events) apply(e);
      const read = await reads.getCampaignPositions(caller.accountId, campaign, { includeClosed: true });
      expect(state.seq).toBe(read.seq);
      expect(state.data).toEqual(read.data);
      return result.events[0] as CampaignUpdated;
    };

    await batch('103', 10);
    // The book holds the campaign's two positions now.
    expect(book.size).toBe(2);

    apply((await commands.moveStop(caller, first.position.id, dec('98'))).event);
    const afterStop = await batch('104', 20);
    // Risk to the stops, from each entry: 10 × (100 − 98) + 5 × (101 − 95).
    expect(afterStop.totals.total_risk).toBe('50.00000000');

    apply(
      (await commands.exitPosition(caller, second.position.id, { shares: dec('2'), price: dec('104'), date: at(25), fee: dec('0.5') }))
        .event,
    );
    const afterExit = await batch('102', 30);
    expect(afterExit.totals.total_shares).toBe('13.00000000');

    const third = await commands.addPosition(caller, campaign, {
      patternType: 'SOS',
      entryPrice: dec('102'),
      shares: dec('4'),
      stopLoss: dec('99'),
      entryDate: at(31),
    });
    apply(third.event);
    const afterEntry = await batch('105', 40);
    expect(afterEntry.totals.total_shares).toBe('17.00000000');

    apply((await commands.closePosition(caller, first.position.id, { exitPrice: dec('105'), closedDate: at(45) })).event);
    const afterClose = await batch('106', 50);
    expect(afterClose.totals.total_shares).toBe('7.00000000');
    // Only the open positions are marked: the closed one is no longer in the book's campaign.
    expect(afterClose.changed_positions.map((p) => p.id)).toEqual([second.position.id, third.position.id]);
    expect(book.size).toBe(2);
  });
});
