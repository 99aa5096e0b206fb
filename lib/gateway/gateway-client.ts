import axios, { type AxiosInstance } from 'axios';
import { AuthManager } from '../auth/auth-manager';
import type { CommonAuthOptions } from '../auth/options';
import { INSPECT, printed } from '../auth/printable';
import { isTokenSource, type TokenSource } from '../auth/token-source';
import { gatewaySection } from '../config/gateway-section';
import type { GatewayConfig, GatewaySection } from '../config/types';
import { AuthError, ConfigError, ErrorCodes, invalidOption, safeCause } from '../errors';
import { attachAuth } from '../http/attach-auth';
import type { AttachAuthOptions, AuthRequestConfig, DetachAuth } from '../http/types';
import type { SessionChannelOptions } from '../ws/options';
import { SessionChannel } from '../ws/session-channel';

/** The gateway's paths; `:id` stands for the session id. */
export interface GatewayPaths {
  /** Default `/api/v1/sessions` (`POST` → 201 `{ session_id, ws_url }`). */
  sessions: string;
  /** Default `/api/v1/sessions/:id/metrics`. */
  sessionMetrics: string;
  /** Default `/api/v1/health`. */
  health: string;
  /** Default `/api/v1/sessions/:id/stream` (WebSocket). */
  stream: string;
}

export const defaultGatewayPaths: GatewayPaths = {
  sessions: '/api/v1/sessions',
  sessionMetrics: '/api/v1/sessions/:id/metrics',
  health: '/api/v1/health',
  stream: '/api/v1/sessions/:id/stream',
};

/**
 * What the client uses of an axios instance, typed structurally: any axios
 * 1.x instance fits, whichever of axios's type builds (CommonJS or ESM) the
 * user's setting resolves to.
 */
export interface GatewayHttp {
  defaults: { baseURL?: unknown };
  interceptors: { request: { use: unknown; eject: unknown }; response: { use: unknown; eject: unknown } };
  request(config: AuthRequestConfig): Promise<unknown>;
  get(url: string): Promise<{ status: number; data: unknown }>;
  post(url: string, data?: unknown): Promise<{ status: number; data: unknown }>;
}

/** Options of a `GatewayClient`. */
export interface GatewayClientOptions<A extends TokenSource = AuthManager> {
  /** The gateway's HTTP origin (`https://gateway.example.com`); the client adds the paths. */
  baseUrl: string;
  /** The gateway's WebSocket origin. Default: `baseUrl` with `ws:`/`wss:`. */
  wsUrl?: string;
  /** An `AuthManager` (or any other `TokenSource`). */
  auth: A;
  /** Bring your own axios instance (its `baseURL` is left alone); it gets `attachAuth`. */
  http?: GatewayHttp;
  paths?: Partial<GatewayPaths>;
  /** HTTP timeout of the client's own instance. Default 10 000 ms. */
  timeoutMs?: number;
  /** Passed to `attachAuth` (default origins: `baseUrl`'s). */
  attach?: AttachAuthOptions;
  /** Defaults for every channel `openSession()` makes. */
  channel?: Omit<SessionChannelOptions, 'url' | 'auth'>;
}

/** A session as `createSession()` returns it: the gateway's fields, `session_id`/`ws_url` renamed. */
export interface GatewaySession {
  sessionId: string;
  /** The session's own stream URL, when the gateway gave one. */
  wsUrl?: string;
  [field: string]: unknown;
}

/** What `testConnection()` reports. It never throws. */
export interface ConnectionReport {
  ok: boolean;
  /** HTTP status of the health check; absent on a network error. */
  status?: number;
  latencyMs: number;
  /** The gateway accepted our credentials (a 5xx or 404 does not say otherwise; 401/403 and network errors do). */
  authenticated: boolean;
  error?: string;
}

/** How many sessions' `ws_url`s a client remembers. */
const MAX_SESSION_URLS = 10_000;

/** HTTP calls and WebSocket sessions of one gateway, all through one `AuthManager`. */
export class GatewayClient<A extends TokenSource = AuthManager> {
  readonly auth: A;
  /** The axios instance the client calls through (the one given, or its own). */
  readonly http: AxiosInstance;
  private readonly paths: GatewayPaths;
  private readonly baseUrl: URL;
  private readonly wsUrl: URL;
  private readonly detach: DetachAuth;
  private readonly sessionUrls = new Map<string, string>();
  private readonly channels = new Set<SessionChannel>();
  /** Set by `fromConfig`, which made the manager and so stops its timers on `close()`. */
  private ownedAuth: AuthManager | undefined;

  constructor(private readonly options: GatewayClientOptions<A>) {
    if (!isTokenSource(options?.auth)) throw invalidOption('GatewayClient', 'auth', 'must be an AuthManager or another TokenSource');
    this.baseUrl = parseOrigin(options.baseUrl, 'baseUrl', ['http:', 'https:']);
    this.wsUrl = parseOrigin(options.wsUrl ?? options.baseUrl.replace(/^http/, 'ws'), 'wsUrl', ['ws:', 'wss:']);
    this.auth = options.auth;
    this.paths = { ...defaultGatewayPaths, ...options.paths };
    // Any axios 1.x instance is one at run time; only its type may come from the other build.
    this.http = (options.http as AxiosInstance | undefined) ?? axios.create({ baseURL: this.baseUrl.href, timeout: options.timeoutMs ?? 10_000 });
    this.detach = attachAuth(this.http, this.auth, { origins: [this.baseUrl.origin], ...options.attach });
    // The options hold the manager (and a user's axios instance, its defaults): JSON and enumeration skip them.
    for (const field of ['options', 'auth', 'http', 'ownedAuth', 'channels', 'sessionUrls'] as const) Object.defineProperty(this, field, { enumerable: false });
  }

  /** A client from what `loadConfig()` returns (its `base_url` and `ws_url`). */
  static fromConfig(config: GatewayConfig | GatewaySection, overrides: Omit<GatewayClientOptions, 'baseUrl' | 'auth'> & { authOptions?: CommonAuthOptions } = {}): GatewayClient<AuthManager> {
    const gateway = gatewaySection(config);
    if (!gateway.baseUrl) throw new ConfigError('gateway.base_url is required to build a GatewayClient', { key: 'gateway.base_url' });
    const { authOptions, ...rest } = overrides;
    const auth = AuthManager.fromConfig(gateway, authOptions);
    const client = new GatewayClient({ ...rest, baseUrl: gateway.baseUrl, ...(gateway.wsUrl !== undefined && { wsUrl: gateway.wsUrl }), auth });
    client.ownedAuth = auth;
    return client;
  }

  /** `POST` sessions → `{ sessionId, wsUrl?, … }`. */
  async createSession(params: Record<string, unknown> = {}): Promise<GatewaySession> {
    const { data } = await this.http.post<unknown>(this.url(this.paths.sessions), params);
    const { session_id: sessionId, ws_url: wsUrl, ...rest } = (data ?? {}) as Record<string, unknown>;
    if (typeof sessionId !== 'string' || sessionId === '') {
      throw new AuthError('the gateway answered createSession without a session_id', { code: 'GATEWAY_PROTOCOL' });
    }
    if (typeof wsUrl === 'string') {
      // Kept for every later openSession(); bounded, oldest first out, for a client that makes sessions for ever.
      if (this.sessionUrls.size >= MAX_SESSION_URLS) this.sessionUrls.delete(this.sessionUrls.keys().next().value!);
      this.sessionUrls.set(sessionId, wsUrl);
    }
    return { ...rest, sessionId, ...(typeof wsUrl === 'string' && { wsUrl }) };
  }

  /** `GET` a session's metrics (the gateway's JSON as is). */
  async getSessionMetrics(sessionId: string): Promise<Record<string, unknown>> {
    const { data } = await this.http.get(this.url(this.paths.sessionMetrics, sessionId));
    return data as Record<string, unknown>;
  }

  /** Health check with credentials. Never throws: failures are in the report. */
  async testConnection(): Promise<ConnectionReport> {
    const started = performance.now();
    const latency = () => Math.round((performance.now() - started) * 100) / 100;
    try {
      const response = await this.http.get(this.url(this.paths.health));
      return { ok: true, status: response.status, latencyMs: latency(), authenticated: true };
    } catch (error) {
      // A 401 here has already been through one refresh and replay.
      const status = (error as { response?: { status?: number } }).response?.status;
      // A 500 or 404 says nothing against our credentials; only 401/403 (after a refresh) do.
      const authenticated = status !== undefined && status !== 401 && status !== 403;
      return { ok: false, ...(status !== undefined && { status }), latencyMs: latency(), authenticated, error: safeCause(error).message };
    }
  }

  /**
   * A channel for the session's stream, not yet connected (call `connect()`):
   * the session's own `ws_url` when the gateway gave one, else `wsUrl` + the stream path.
   */
  openSession(sessionId: string, options: Omit<SessionChannelOptions, 'url' | 'auth'> = {}): SessionChannel {
    const url = this.streamUrl(sessionId);
    const channel = new SessionChannel({ ...this.options.channel, ...options, url, auth: this.auth });
    this.channels.add(channel);
    channel.once('close', () => this.channels.delete(channel));
    return channel;
  }

  /** What `JSON.stringify` and `util.inspect` show: the origins and counts, never the manager's secrets or the axios instance. */
  toJSON(): Record<string, unknown> {
    const auth = this.auth as { toJSON?: () => unknown };
    return {
      baseUrl: this.baseUrl.origin,
      wsUrl: this.wsUrl.origin,
      auth: typeof auth.toJSON === 'function' ? auth.toJSON() : '[TokenSource]',
      sessions: this.sessionUrls.size,
      channels: this.channels.size,
    };
  }

  [INSPECT](): string {
    return printed('GatewayClient', this.toJSON());
  }

  /** Closes every channel this client opened and removes the interceptors. */
  async close(): Promise<void> {
    await Promise.all([...this.channels].map((channel) => channel.close()));
    this.detach();
    this.ownedAuth?.close();
  }

  private streamUrl(sessionId: string): string {
    const given = this.sessionUrls.get(sessionId);
    const url = new URL(given ?? this.path(this.paths.stream, sessionId), this.wsUrl);
    // Credentials go only to the gateway's own WebSocket origin, whatever a session answer says.
    if (url.origin !== this.wsUrl.origin) {
      throw new AuthError(`the session's ws_url points to ${url.origin}, not the gateway's ${this.wsUrl.origin}; refusing to send credentials there`, { code: ErrorCodes.GATEWAY_PROTOCOL });
    }
    return url.href;
  }

  private url(template: string, sessionId?: string): string {
    return new URL(this.path(template, sessionId), this.baseUrl).href;
  }

  private path(template: string, sessionId?: string): string {
    return sessionId === undefined ? template : template.replace(':id', encodeURIComponent(sessionId));
  }
}

function parseOrigin(value: unknown, key: string, protocols: string[]): URL {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !protocols.includes(url.protocol)) {
    throw invalidOption('GatewayClient', key, `must be an absolute ${protocols.map((p) => `${p}//`).join(' or ')} URL`);
  }
  return url;
}
