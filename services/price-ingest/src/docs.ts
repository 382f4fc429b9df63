import type { OpenApiOptions } from '@cpt/http';

/** price-ingest's OpenAPI document (`GET /openapi.json`, `GET /docs`), generated from its route declarations. */
export const ingestDocs: OpenApiOptions = {
  title: 'Campaign position tracking — price ingest',
  description:
    'Market feeds post ticks here; each is published to Kafka `market.ticks`, keyed by symbol. Prices are decimals: a ' +
    'string or a JSON number in plain notation. Every non-2xx answer has the body `{"error": {"code", "message", "details"?}}`.',
  version: '1.0.0',
};
