import type { OpenApiOptions } from '@cpt/http';

/** Where price-ingest's own docs page is, unless told: where `make up` and the compose file publish it. */
const DEFAULT_PRICE_INGEST_URL = 'http://127.0.0.1:8081';

/**
 * The gateway's OpenAPI document (`GET /openapi.json`) and docs page (`GET /docs`), generated from
 * its route declarations: an introduction for someone who has never seen the system, and the
 * operations by group. `priceIngestUrl` is the address people reach price-ingest at, whose page
 * documents the ticks.
 */
export function gatewayDocs(priceIngestUrl = DEFAULT_PRICE_INGEST_URL): OpenApiOptions {
  const ingest = priceIngestUrl.replace(/\/+$/, '');
  return {
    title: 'Campaign position tracking API',
    description: `Tracks the positions of Wyckoff trading campaigns and keeps their figures current as the market moves. Accumulation campaigns go \`LONG\`, distribution campaigns go \`SHORT\`; each holds positions entered at a pattern (\`SPRING\`, \`SOS\`, \`LPS\`; \`UTAD\`, \`SOW\`, \`LPSY\`), scaled out of by exits, with their P&L, R-multiples and the campaign's totals.

Market feeds post **ticks** to the price-ingest service; each tick marks every open position of its symbol whose \`entry_date\` is not after the tick's \`ts\`. This gateway serves the campaigns, positions and totals (REST, below), their changes as they happen (WebSocket, \`GET /api/v1/ws\`) and the dashboard at [\`/\`](/).

**A key.** Every operation but the health checks needs an API key, sent as \`Authorization: Bearer cpt_…\`; press *Authorize* and paste the key alone. \`make up\` writes the key of the account \`dev\`, holding every scope, to \`.run/dev-api-key\`; \`npm run admin -- keys create <account> <name> --scopes …\` makes others, and so does \`POST /api/v1/admin/accounts/{id}/keys\` with an \`admin\` key. Each operation names the scope it needs (\`x-scope\`): \`campaigns:read\`, \`campaigns:write\`, \`ticks:write\` or \`admin\`.

**Where ticks go.** Not here: \`POST ${ingest}/api/v1/ticks\`, with a key of scope \`ticks:write\`, documented on price-ingest's own page: [${ingest}/docs](${ingest}/docs). Date a tick with the current time, to the millisecond: a tick dated before a position's \`entry_date\` does not mark it.

**A first session.** Create a campaign (\`POST /api/v1/campaigns\`), open a position in it (\`POST /api/v1/campaigns/{id}/positions\`, \`entry_date\` defaults to now), post a tick of its symbol to price-ingest, then read the campaign's positions (\`GET /api/v1/campaigns/{id}/positions\`): \`current_price\`, \`current_pnl\` and the totals follow the tick. Every example below is a body the server accepts.

**Formats.** Decimals come out as strings with 8 fractional digits (\`"60.00000000"\`) and go in as strings or JSON numbers in plain notation (at most 8 fractional and 10 integer digits). Timestamps go in as RFC 3339 with an offset and come out in UTC with milliseconds (\`2026-11-25T14:00:00.000Z\`). Commands that change a campaign take \`If-Match: "<version>"\` (its \`ETag\`). Every answer other than 2xx has the body \`{"error": {"code", "message", "details"?}}\`, and every answer carries \`x-request-id\`.`,
    version: '1.0.0',
    tags: [
      { name: 'campaigns', description: 'Campaigns with their totals, the positions they hold, and their journal of commands.' },
      { name: 'positions', description: 'A position’s trailing stop, its partial exits and its close.' },
      { name: 'account', description: 'The account of the key: its equity, its risk limits and its heat.' },
      { name: 'analytics', description: 'Per-pattern statistics of closed positions, and equity curves of campaigns and of the account.' },
      {
        name: 'live updates',
        description: 'The WebSocket: a snapshot of each subscribed campaign, then every change of it, resumable after a reconnect.',
      },
      { name: 'admin', description: 'Accounts and their API keys, over all accounts (scope `admin`).' },
      { name: 'health', description: 'Liveness and readiness, without a key.' },
    ],
  };
}
