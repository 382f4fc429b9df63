import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createKeyBody } from './access.js';
import { createCampaignBody, createPositionBody, listCampaignsQuery, updateCampaignBody } from './campaigns.js';
import { fieldIssues, formatPath, safeParseInput } from './issues.js';
import { tickInput } from './ticks.js';
import { wsClientMessage } from './ws.js';

/** The contract's `details` of a value a schema refuses; fails when the schema takes it. */
function details(schema: z.ZodType, value: unknown, prefix: PropertyKey[] = []) {
  const r = safeParseInput(schema, value);
  if (r.success) throw new Error(`accepted ${JSON.stringify(value)}`);
  return fieldIssues(r.error, prefix);
}

const campaign = { name: 'range', symbol: 'GBPUSD', timeframe: '1h' };
const entry = { pattern_type: 'SPRING', entry_price: '1.25', shares: '8000', stop_loss: '1.245' };

describe('fieldIssues with the contract’s words (section 1)', () => {
  it('names each field the request does not define as an unknown field, one entry per field', () => {
    expect(details(createCampaignBody, { ...campaign, fee_x: 1, colour: 'red' })).toEqual([
      { path: 'fee_x', message: 'unknown field' },
      { path: 'colour', message: 'unknown field' },
    ]);
  });

  it('says `required` for a missing field of any type: string, enum, decimal, boolean', () => {
    expect(details(createCampaignBody, { name: 'range' })).toEqual([
      { path: 'symbol', message: 'required' },
      { path: 'timeframe', message: 'required' },
    ]);
    expect(details(createPositionBody, { pattern_type: 'SPRING', shares: '1', stop_loss: '1' })).toEqual([
      { path: 'entry_price', message: 'required' },
    ]);
    expect(details(createPositionBody, { entry_price: '1', shares: '1', stop_loss: '1' })).toEqual([
      { path: 'pattern_type', message: 'required' },
    ]);
    expect(details(updateCampaignBody, {})).toEqual([{ path: 'auto_exit_on_stop', message: 'required' }]);
  });

  it('reports a misspelt field as the required one missing and the unknown one named', () => {
    const { entry_price: _, ...rest } = entry;
    expect(details(createPositionBody, { ...rest, price: '1.25' })).toEqual([
      { path: 'entry_price', message: 'required' },
      { path: 'price', message: 'unknown field' },
    ]);
  });

  it('says which type was expected, in plain words', () => {
    expect(details(createCampaignBody, { ...campaign, name: 5 })).toEqual([{ path: 'name', message: 'expected a string' }]);
    expect(details(createCampaignBody, { ...campaign, symbol: null })).toEqual([{ path: 'symbol', message: 'expected a string' }]);
    expect(details(updateCampaignBody, { auto_exit_on_stop: 'true' })).toEqual([
      { path: 'auto_exit_on_stop', message: 'expected a boolean' },
    ]);
    expect(details(createKeyBody, { name: 'k', scopes: 'admin' })).toEqual([{ path: 'scopes', message: 'expected an array' }]);
    expect(details(createCampaignBody, null)).toEqual([{ path: '', message: 'expected an object' }]);
    expect(details(createCampaignBody, [])).toEqual([{ path: '', message: 'expected an object' }]);
  });

  it('lists the values an enum takes', () => {
    expect(details(createCampaignBody, { ...campaign, side: 'long' })).toEqual([{ path: 'side', message: 'must be one of LONG, SHORT' }]);
    expect(details(createCampaignBody, { ...campaign, side: 1 })).toEqual([{ path: 'side', message: 'must be one of LONG, SHORT' }]);
    expect(details(createCampaignBody, { ...campaign, timeframe: '2h' })).toEqual([
      { path: 'timeframe', message: 'must be one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w' },
    ]);
    expect(details(createKeyBody, { name: 'k', scopes: ['root'] })).toEqual([
      { path: 'scopes[0]', message: 'must be one of campaigns:read, campaigns:write, ticks:write, admin' },
    ]);
  });

  it('lists the kinds of a message a discriminated union takes, and says `required` without one', () => {
    expect(details(wsClientMessage, { type: 'sub' })).toEqual([{ path: 'type', message: 'must be one of subscribe, unsubscribe, ping' }]);
    expect(details(wsClientMessage, { campaign_ids: [] })).toEqual([{ path: 'type', message: 'required' }]);
    expect(details(wsClientMessage, { type: 'subscribe' })).toEqual([{ path: 'campaign_ids', message: 'required' }]);
  });

  it('states sizes and bounds in words', () => {
    expect(details(createKeyBody, { name: 'k', scopes: [] })).toEqual([{ path: 'scopes', message: 'must have at least 1 item' }]);
    expect(details(listCampaignsQuery, { limit: '0' })).toEqual([{ path: 'limit', message: 'must be at least 1' }]);
    expect(details(listCampaignsQuery, { limit: '201' })).toEqual([{ path: 'limit', message: 'must be at most 200' }]);
    expect(details(listCampaignsQuery, { limit: '1.5' })).toEqual([{ path: 'limit', message: 'expected an integer' }]);
    expect(details(listCampaignsQuery, { limit: 'many' })).toEqual([{ path: 'limit', message: 'expected a number' }]);
    expect(details(z.string().min(3), 'ab')).toEqual([{ path: '', message: 'must be at least 3 characters' }]);
    expect(details(z.number().gt(0), 0)).toEqual([{ path: '', message: 'must be greater than 0' }]);
  });

  it('keeps the messages a schema states itself', () => {
    expect(details(createPositionBody, { ...entry, signal_id: 'nope' })).toEqual([{ path: 'signal_id', message: 'must be a UUID' }]);
    expect(details(createPositionBody, { ...entry, shares: 'abc' })).toEqual([
      { path: 'shares', message: 'must be a decimal in plain notation' },
    ]);
    expect(details(createPositionBody, { ...entry, entry_price: '1.123456789' })).toEqual([
      { path: 'entry_price', message: 'at most 8 fractional digits' },
    ]);
    expect(details(createPositionBody, { ...entry, entry_date: '2026-11-25T14:00:00' })).toEqual([
      {
        path: 'entry_date',
        message: 'must be an RFC 3339 timestamp with an explicit offset in the years 0001–9999, e.g. 2026-11-25T14:00:00Z',
      },
    ]);
  });

  it('names a field once, with its first fault', () => {
    // A string where the array is wanted also breaks the array's length rule: only the type is told.
    expect(details(createKeyBody, { name: 'k', scopes: 'campaigns:read' })).toEqual([{ path: 'scopes', message: 'expected an array' }]);
  });

  it('puts a prefix before each path, as the ticks of an array are named by index', () => {
    expect(details(tickInput, { symbol: 'A', price: '1', ts: '2026-11-25T14:00:00Z', size: 1 }, [3])).toEqual([
      { path: '[3].size', message: 'unknown field' },
    ]);
  });

  it('says `required` for a missing field of an error parsed without the contract’s words', () => {
    const r = z.strictObject({ a: z.string() }).safeParse({ b: 1 });
    expect(r.success).toBe(false);
    if (!r.success)
      expect(fieldIssues(r.error)).toEqual([
        { path: 'a', message: 'required' },
        { path: 'b', message: 'unknown field' },
      ]);
  });
});

describe('formatPath', () => {
  it('writes indexes in brackets and keys with dots', () => {
    expect([formatPath([]), formatPath(['a']), formatPath([3, 'price']), formatPath(['resume', 'x', 0])]).toEqual([
      '',
      'a',
      '[3].price',
      'resume.x[0]',
    ]);
  });
});
