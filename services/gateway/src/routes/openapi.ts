import type { OpenApiOptions } from '@cpt/http';

/** The gateway's OpenAPI document (`GET /openapi.json`, `GET /docs`), generated from its route declarations. */
export const gatewayDocs: OpenApiOptions = {
  title: 'Campaign position tracking — gateway',
  description:
    'Campaigns, positions and their totals (REST), and live updates (WebSocket). Decimals are strings with 8 ' +
    'fractional digits on output; on input a string or a JSON number in plain notation. Timestamps are RFC 3339. ' +
    'Every non-2xx answer has the body `{"error": {"code", "message", "details"?}}`.',
  version: '1.0.0',
};
