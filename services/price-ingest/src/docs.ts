import type { OpenApiOptions } from '@cpt/http';

/** Where the gateway's docs page is, unless told: where `make up` and the compose file publish it. */
const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';

/**
 * price-ingest's OpenAPI document (`GET /openapi.json`) and docs page (`GET /docs`), generated from
 * its route declarations. `gatewayUrl` is the address people reach the gateway at, whose page
 * documents everything else.
 */
export function ingestDocs(gatewayUrl = DEFAULT_GATEWAY_URL): OpenApiOptions {
  const gateway = gatewayUrl.replace(/\/+$/, '');
  return {
    title: 'Campaign position tracking: price ingest',
    description: `Market feeds post ticks here: a symbol's price at an instant. Campaign position tracking keeps the positions of Wyckoff trading campaigns marked to the market; each tick accepted here is published to Kafka \`market.ticks\` (keyed by symbol, so that a symbol's ticks stay in order), the position service marks with it every open position of its symbol, in every account, whose \`entry_date\` is not after the tick's \`ts\`, and the gateway serves the positions, their P&L and their changes: [${gateway}/docs](${gateway}/docs).

**A key** of scope \`ticks:write\`, sent as \`Authorization: Bearer cpt_…\` (press *Authorize* and paste the key alone). \`make up\` writes the key of the account \`dev\`, holding every scope, to \`.run/dev-api-key\`; the gateway's page says how to make others.

**Timestamps.** \`ts\` is RFC 3339 with an offset; date a tick with the current time, to the millisecond (\`date -u +%FT%T.%3NZ\`): a tick dated before a position's \`entry_date\` does not mark it, and one more than 60 s after the server's clock is refused. The examples below carry a fixed \`ts\`: they are accepted, but mark only positions entered before it.

**Formats.** A price is a string or a JSON number in plain notation (at most 8 fractional and 10 integer digits). Every answer other than 2xx has the body \`{"error": {"code", "message", "details"?}}\`, and every answer carries \`x-request-id\`.`,
    version: '1.0.0',
    tags: [
      { name: 'ticks', description: 'Prices in: one tick, or up to 10,000 at once, all or nothing.' },
      { name: 'health', description: 'Liveness and readiness, without a key.' },
    ],
  };
}
