import type {
  AccountEquityJson,
  AccountViewJson,
  CampaignEquityJson,
  CampaignJson,
  CampaignListJson,
  CampaignPositionsJson,
  CampaignWithTotalsJson,
  closePositionBody,
  createCampaignBody,
  createPositionBody,
  EquityInterval,
  ErrorBody,
  ExitResultJson,
  exitPositionBody,
  JournalPageJson,
  moveStopBody,
  PatternStatsListJson,
  PositionJson,
  settingsBody,
  updateCampaignBody,
} from '@cpt/contracts';
import type { z } from 'zod';

/** Request bodies as a client writes them: the input side of the contract's schemas (decimals as strings or numbers). */
export type CreateCampaignInput = z.input<typeof createCampaignBody>;
export type UpdateCampaignInput = z.input<typeof updateCampaignBody>;
export type CreatePositionInput = z.input<typeof createPositionBody>;
export type MoveStopInput = z.input<typeof moveStopBody>;
export type ClosePositionInput = z.input<typeof closePositionBody>;
export type ExitPositionInput = z.input<typeof exitPositionBody>;
export type SettingsInput = z.input<typeof settingsBody>;

/** A non-2xx answer, with the contract's error body (section 1). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
    readonly requestId: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The campaign's version when the answer is 409 `version_conflict`. */
  get currentVersion(): number | undefined {
    const v = (this.details as { current_version?: unknown } | undefined)?.current_version;
    return typeof v === 'number' ? v : undefined;
  }
}

/** A 2xx answer's body, with the campaign version of its `ETag` when it carries one. */
export interface Versioned<T> {
  body: T;
  version: number | undefined;
}

export interface RestClientOptions {
  /** The gateway's origin, e.g. `http://127.0.0.1:8080`; empty in a page the gateway serves. */
  baseUrl?: string;
  /** The API key, sent as `Authorization: Bearer`. */
  apiKey: string;
  /** `fetch` to use (default the global one). */
  fetch?: typeof fetch;
}

/** Options of a command on a campaign: `If-Match` with the version the caller last saw. */
export interface CommandOptions {
  ifMatch?: number;
}

const query = (params: Record<string, string | number | boolean | undefined>): string => {
  const entries = Object.entries(params).filter((e): e is [string, string | number | boolean] => e[1] !== undefined);
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
};

/**
 * The gateway's REST API (sections 2, 7 to 9), typed by the contract: every call resolves to the
 * body the contract defines or rejects with an {@link ApiError}. Works in Node and in a browser.
 */
export class RestClient {
  private readonly fetch: typeof fetch;
  private readonly baseUrl: string;

  constructor(private readonly opts: RestClientOptions) {
    this.fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.baseUrl = (opts.baseUrl ?? '').replace(/\/$/, '');
  }

  listCampaigns(q: { status?: 'ACTIVE' | 'CLOSED'; limit?: number; cursor?: string } = {}): Promise<CampaignListJson> {
    return this.body('GET', `/api/v1/campaigns${query(q)}`);
  }

  campaign(id: string): Promise<Versioned<CampaignWithTotalsJson>> {
    return this.call('GET', `/api/v1/campaigns/${id}`);
  }

  createCampaign(body: CreateCampaignInput): Promise<Versioned<CampaignJson>> {
    return this.call('POST', '/api/v1/campaigns', body);
  }

  /** `PATCH /api/v1/campaigns/{id}`: a campaign's settings (`auto_exit_on_stop`). */
  updateCampaign(id: string, body: UpdateCampaignInput, o: CommandOptions = {}): Promise<Versioned<CampaignJson>> {
    return this.call('PATCH', `/api/v1/campaigns/${id}`, body, o);
  }

  closeCampaign(id: string, o: CommandOptions = {}): Promise<Versioned<CampaignJson>> {
    return this.call('POST', `/api/v1/campaigns/${id}/close`, undefined, o);
  }

  positions(campaignId: string, q: { include_closed?: boolean } = {}): Promise<Versioned<CampaignPositionsJson>> {
    return this.call('GET', `/api/v1/campaigns/${campaignId}/positions${query(q)}`);
  }

  addPosition(campaignId: string, body: CreatePositionInput, o: CommandOptions = {}): Promise<Versioned<PositionJson>> {
    return this.call('POST', `/api/v1/campaigns/${campaignId}/positions`, body, o);
  }

  moveStop(positionId: string, body: MoveStopInput, o: CommandOptions = {}): Promise<Versioned<PositionJson>> {
    return this.call('PATCH', `/api/v1/positions/${positionId}`, body, o);
  }

  exitPosition(positionId: string, body: ExitPositionInput, o: CommandOptions = {}): Promise<Versioned<ExitResultJson>> {
    return this.call('POST', `/api/v1/positions/${positionId}/exits`, body, o);
  }

  closePosition(positionId: string, body: ClosePositionInput, o: CommandOptions = {}): Promise<Versioned<PositionJson>> {
    return this.call('POST', `/api/v1/positions/${positionId}/close`, body, o);
  }

  journal(campaignId: string, q: { limit?: number; cursor?: string } = {}): Promise<JournalPageJson> {
    return this.body('GET', `/api/v1/campaigns/${campaignId}/journal${query(q)}`);
  }

  campaignEquity(campaignId: string, q: { from: string; to?: string; interval?: EquityInterval }): Promise<CampaignEquityJson> {
    return this.body('GET', `/api/v1/campaigns/${campaignId}/equity${query(q)}`);
  }

  accountEquity(q: { from: string; to?: string; interval?: EquityInterval }): Promise<AccountEquityJson> {
    return this.body('GET', `/api/v1/equity${query(q)}`);
  }

  patternStats(q: { side?: 'LONG' | 'SHORT'; from?: string; to?: string } = {}): Promise<PatternStatsListJson> {
    return this.body('GET', `/api/v1/stats/patterns${query(q)}`);
  }

  account(): Promise<AccountViewJson> {
    return this.body('GET', '/api/v1/account');
  }

  updateSettings(body: SettingsInput): Promise<AccountViewJson> {
    return this.body('PATCH', '/api/v1/account/settings', body);
  }

  private async body<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.call<T>(method, path, body)).body;
  }

  private async call<T>(method: string, path: string, body?: unknown, o: CommandOptions = {}): Promise<Versioned<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.apiKey}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (o.ifMatch !== undefined) headers['if-match'] = `"${o.ifMatch}"`;
    const res = await this.fetch(`${this.baseUrl}${path}`, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const e = (parsed as Partial<ErrorBody> | undefined)?.error;
      throw new ApiError(res.status, e?.code ?? 'unknown', e?.message ?? `HTTP ${res.status}`, e?.details, res.headers.get('x-request-id'));
    }
    const etag = res.headers.get('etag');
    const version = etag ? Number.parseInt(etag.replace(/\D/g, ''), 10) : Number.NaN;
    return { body: parsed as T, version: Number.isFinite(version) ? version : undefined };
  }
}
