import { EventEmitter } from 'eventemitter3';
import { AuthError, ConfigError, ErrorCodes, TokenRequestError, safeCause } from '../errors';
import type { AuthManagerEvents, TokenEvent } from './events';
import { FailureBackoff } from './failure-backoff';
import { requestGrant, requestRefresh } from './grants';
import { HeaderCache } from './header-cache';
import { MetricsRecorder, type AuthMetrics } from './metrics';
import { normalizeOptions, type AuthManagerOptions, type CommonAuthOptions, type NormalizedOptions } from './options';
import { RefreshTimer } from './refresh-timer';
import { StoreAccess } from './store-access';
import { TokenEndpoint } from './token-endpoint';
import { dueAt, isDue, isUnexpired } from './token-policy';
import { fingerprint, toTokenSet, type TokenSet } from './token-set';
import { INSPECT, printed } from './printable';

/** Why a flight started: the kind of token it may end with, and how a refusal of that token is judged. */
type FlightCause = 'due' | 'refusal' | 'refresh' | 'authenticate';

/** One token flight: when it started, in which session (`epoch`), and why. */
interface Flight {
  startedAt: number;
  epoch: number;
  cause: FlightCause;
}

/** What `fromConfig` takes: what `loadConfig()` returns (`{ gateway }`), or its gateway section (`{ authType }`). */
export type AuthConfigInput = { readonly gateway: object } | { readonly authType: string };

/** Turns a config into options; installed by the config module, so that `auth/` never imports it. */
type ConfigReader = (config: AuthConfigInput, overrides?: CommonAuthOptions) => AuthManagerOptions;
let configReader: ConfigReader | undefined;

/** @internal Called once by `config/`: the one module that knows the YAML's shape. */
export function installConfigReader(reader: ConfigReader): void {
  configReader = reader;
}


/** A lifetime this short (or shorter than the request that got it) means the token is due on arrival. */
const MIN_LIFETIME_MS = 10;

/**
 * Owns one client's credentials. Every consumer (axios interceptors, session
 * channels, direct callers) borrows tokens from it; proactive and reactive
 * refreshes share one in-flight promise, so any number of concurrent callers
 * cause a single token request. With a store that has a lock, many managers
 * (processes, machines, tabs) share one token request per expiry.
 */
export class AuthManager extends EventEmitter<AuthManagerEvents> {
  private readonly config: NormalizedOptions;
  private readonly endpoint: TokenEndpoint | undefined;
  private readonly recorder = new MetricsRecorder();
  private readonly backoff: FailureBackoff;
  private readonly timer = new RefreshTimer();
  private readonly headers: HeaderCache;
  private readonly store: StoreAccess;
  private tokenSet: TokenSet | undefined;
  /** How the current token came: after a refusal, and whether a server has accepted it since. */
  private tokenHistory = { afterRefusal: false, accepted: false };
  /** The access token a server answered 401 to: never handed out again. */
  private rejectedToken: string | undefined;
  /** A refresh token the server rejected: never presented again. */
  private deadRefreshToken: string | undefined;
  private refreshInFlight: Promise<TokenSet> | undefined;
  private unwatch: (() => void) | undefined;
  private closed = false;
  /** Bumped by `clear()`: a flight started before it must not touch the new session. */
  private epoch = 0;

  constructor(options: AuthManagerOptions) {
    super();
    this.config = normalizeOptions(options);
    this.endpoint = this.config.endpoint && new TokenEndpoint(this.config.endpoint);
    this.backoff = new FailureBackoff(this.config.retryDelayMs, this.config.maxRetryDelayMs);
    const { apiKey } = this.config;
    this.headers = new HeaderCache((token) => (apiKey ? { [apiKey.header]: token } : { Authorization: `Bearer ${token}` }));
    this.store = new StoreAccess(this.config.store, this.config.storeKey, this.config.logger, this.recorder, this.config.now);
    if (options.logger) this.config.store.useLogger?.(options.logger);
    // Secrets live in these: keep them out of util.inspect, JSON and enumeration (see toJSON for what is shown).
    for (const field of ['config', 'endpoint', 'headers', 'store', 'tokenSet', 'rejectedToken', 'deadRefreshToken', 'refreshInFlight'] as const) {
      Object.defineProperty(this, field, { enumerable: false, writable: true });
    }
  }

  /** A manager from what `loadConfig()` returns, or its `gateway` section; `overrides` adds logger, timeouts… */
  static fromConfig(config: AuthConfigInput, overrides?: CommonAuthOptions): AuthManager {
    if (!configReader) throw new ConfigError('AuthManager.fromConfig needs the config module (import it from axios-ws-auth)', { code: ErrorCodes.INVALID_OPTIONS });
    return new AuthManager(configReader(config, overrides));
  }

  /** A valid access token: authenticates lazily, waits for an in-flight refresh, refreshes near expiry. */
  async getAccessToken(): Promise<string> {
    if (this.config.apiKey) return this.config.apiKey.value;
    const ready = this.readyToken();
    if (ready) return ready.accessToken;
    const refused = this.tokenSet !== undefined && this.tokenSet.accessToken === this.rejectedToken;
    try {
      return (await this.startFlight(refused ? 'refusal' : 'due')).accessToken;
    } catch (error) {
      // A failed early refresh leaves a token that is still good: use it until it expires.
      const kept = this.tokenSet;
      if (kept && kept.accessToken !== this.rejectedToken && isUnexpired(kept, this.config.now())) return kept.accessToken;
      throw error;
    }
  }

  /** `Authorization: Bearer …`, or the API-key header (a frozen object: copy it to change it). */
  getAuthHeaders(): Promise<Readonly<Record<string, string>>> {
    const ready = this.currentAuthHeaders();
    if (ready) return this.headers.promiseOf(ready);
    return this.getAccessToken().then((token) => this.headers.headersFor(token));
  }

  /**
   * The headers of a token that is good right now, or `undefined` when a
   * token must first be fetched or refreshed (then `await getAuthHeaders()`).
   * For hot paths that would rather not wait a turn; never starts a request.
   */
  currentAuthHeaders(): Readonly<Record<string, string>> | undefined {
    const token = this.config.apiKey?.value ?? this.readyToken()?.accessToken;
    return token === undefined ? undefined : this.headers.headersFor(token);
  }

  /** Full authentication with the grant (shares a flight already under way). */
  async authenticate(): Promise<TokenSet> {
    if (this.config.apiKey) throw new AuthError('an api_key manager has nothing to authenticate', { code: 'INVALID_OPTIONS' });
    return { ...(await this.startFlight('authenticate', { ignoreBackoff: true })) };
  }

  /** The refresh_token grant; without a refresh token, or when it is rejected, a full authentication. */
  async refreshAccessToken(): Promise<string> {
    if (this.config.apiKey) return this.config.apiKey.value;
    return (await this.startFlight('refresh', { ignoreBackoff: true })).accessToken;
  }

  /**
   * Call on a 401. Every caller during a refresh shares it; a `rejectedToken`
   * that is no longer current means someone already refreshed: returns at
   * once. A token obtained to replace a refused one and refused again before
   * any server accepted it is a failure (`AUTH_FAILED`, retryable): the next
   * try waits for the backoff, so a server that refuses every token is not
   * asked for a new one per request.
   */
  async handleUnauthorized(rejectedToken?: string): Promise<void> {
    this.recorder.unauthorized++;
    const current = this.tokenSet?.accessToken;
    const stale = rejectedToken !== undefined && rejectedToken !== current;
    this.notify('unauthorized', { fingerprint: fingerprint(rejectedToken), stale });
    if (this.config.apiKey || stale) return;
    if (this.refreshInFlight) {
      await this.refreshInFlight;
      return;
    }
    if (current !== undefined && this.rejectedToken !== current) {
      this.rejectedToken = current;
      if (this.refusedWhileFresh()) {
        const error = new AuthError('the server refused a token obtained right after it refused the previous one; waiting before the next try', { code: 'AUTH_FAILED', retryable: true });
        this.recordFailure(error, this.config.now());
        throw error;
      }
    }
    await this.startFlight('refusal');
  }

  /** A server accepted `token` (attachAuth and SessionChannel say so): a later refusal of it is an expiry, not a verdict. */
  tokenAccepted(token: string): void {
    if (token === this.tokenSet?.accessToken) this.tokenHistory.accepted = true;
  }

  /** A copy of the counters. */
  metrics(): AuthMetrics {
    return this.recorder.snapshot();
  }

  /** Forgets the tokens, here and in the store. */
  async clear(): Promise<void> {
    // A flight under way belongs to the forgotten session: its token is not installed, its failure not counted.
    this.epoch++;
    this.refreshInFlight = undefined;
    this.tokenSet = undefined;
    this.rejectedToken = undefined;
    this.deadRefreshToken = undefined;
    this.backoff.reset();
    this.timer.stop();
    await this.store.clear();
  }

  /** Stops the background refresh timer (and store subscriptions). The manager still answers calls. */
  close(): void {
    this.closed = true;
    this.timer.stop();
    this.unwatch?.();
    this.unwatch = undefined;
  }

  /** What `JSON.stringify` and `util.inspect` show: metadata, never a secret. */
  toJSON(): Record<string, unknown> {
    const { grant, endpoint, apiKey } = this.config;
    return {
      grant: typeof grant === 'function' ? 'custom' : grant,
      ...(endpoint && { tokenUrl: endpoint.tokenUrl, clientId: endpoint.clientId }),
      ...(apiKey && { header: apiKey.header }),
      fingerprint: fingerprint(this.tokenSet?.accessToken),
      expiresAt: this.tokenSet?.expiresAt,
      refreshing: this.refreshInFlight !== undefined,
    };
  }

  [INSPECT](): string {
    return printed('AuthManager', this.toJSON());
  }

  /** The token to hand out without waiting, if any. */
  private readyToken(): TokenSet | undefined {
    const current = this.tokenSet;
    if (this.refreshInFlight || !current || current.accessToken === this.rejectedToken) return undefined;
    const now = this.config.now();
    if (!isDue(current, now, this.config.refreshLeewayMs)) return current;
    // Due, but the next try must wait (a failure's backoff, or the spacing after a token that came already due).
    if (this.backoff.waiting(now) && (!this.backoff.blocking(now) || isUnexpired(current, now))) return current;
    return undefined;
  }

  private refusedWhileFresh(): boolean {
    const { afterRefusal, accepted } = this.tokenHistory;
    const age = this.config.now() - (this.tokenSet?.receivedAt ?? 0);
    return afterRefusal && !accepted && age < Math.max(1_000, this.config.retryDelayMs);
  }

  private startFlight(cause: FlightCause, { ignoreBackoff = false } = {}): Promise<TokenSet> {
    if (this.refreshInFlight) return this.refreshInFlight;
    const blocked = this.backoff.blocking(this.config.now());
    if (!ignoreBackoff && blocked) return Promise.reject(blocked);
    this.watchStore();
    const flight: Promise<TokenSet> = this.fly(cause).finally(() => {
      if (this.refreshInFlight === flight) this.refreshInFlight = undefined;
    });
    this.refreshInFlight = flight;
    return flight;
  }

  private async fly(cause: FlightCause): Promise<TokenSet> {
    const flight: Flight = { startedAt: this.config.now(), epoch: this.epoch, cause };
    try {
      return await this.store.locked(() => this.obtain(flight));
    } catch (caught) {
      const error = caught instanceof AuthError ? caught : new AuthError(`authentication failed: ${safeCause(caught).message}`, { code: 'UNEXPECTED', cause: safeCause(caught) });
      if (flight.epoch === this.epoch) this.recordFailure(error, flight.startedAt);
      throw error;
    }
  }

  /**
   * The cheapest way to a good token: the store first (another manager may
   * have refreshed: adopt its token, or use its newer refresh token), then
   * the refresh grant, then a full authentication.
   */
  private async obtain(flight: Flight): Promise<TokenSet> {
    const stored = await this.newerStored();
    if (stored && this.isGood(stored)) return this.accept(stored, 'store', flight);
    let refreshToken = stored?.refreshToken ?? this.tokenSet?.refreshToken;
    for (let attempt = 0; attempt < 2 && flight.cause !== 'authenticate' && this.endpoint && refreshToken !== undefined && refreshToken !== this.deadRefreshToken; attempt++) {
      try {
        return await this.refresh(refreshToken, flight);
      } catch (error) {
        if (!(error instanceof TokenRequestError && error.rejected)) throw error;
        this.deadRefreshToken = refreshToken;
        this.recorder.fallbacks++;
        this.config.logger.warn('axios-ws-auth: refresh token rejected; reading the store, else authenticating again', { oauthError: error.oauthError });
        // Another manager sharing the store may have rotated it meanwhile.
        const again = await this.newerStored();
        if (again && this.isGood(again)) return this.accept(again, 'store', flight);
        refreshToken = again?.refreshToken;
      }
    }
    return this.authenticateWithGrant(flight);
  }

  /** The store's token set, when it is not the one we hold (nor one a server refused). */
  private async newerStored(): Promise<TokenSet | undefined> {
    const stored = await this.store.read();
    if (!stored || stored.accessToken === this.tokenSet?.accessToken) return undefined;
    if (this.tokenSet && stored.receivedAt < this.tokenSet.receivedAt) return undefined;
    return stored;
  }

  private isGood(tokenSet: TokenSet): boolean {
    return tokenSet.accessToken !== this.rejectedToken && !isDue(tokenSet, this.config.now(), this.config.refreshLeewayMs);
  }

  private async refresh(refreshToken: string, flight: Flight): Promise<TokenSet> {
    this.recorder.tokenRequests++;
    const body = await requestRefresh(this.endpoint!, refreshToken);
    const tokenSet = this.toTokenSet(body, refreshToken);
    this.recorder.refreshes++;
    return this.accept(tokenSet, 'refresh', flight, tokenSet.refreshToken !== refreshToken);
  }

  private async authenticateWithGrant(flight: Flight): Promise<TokenSet> {
    this.recorder.tokenRequests++;
    const tokenSet = this.toTokenSet(await requestGrant(this.config, this.endpoint));
    this.recorder.authentications++;
    return this.accept(tokenSet, 'authenticate', flight, false);
  }

  private toTokenSet(body: unknown, previousRefreshToken?: string): TokenSet {
    return toTokenSet(body, this.config.now(), previousRefreshToken, (message) => this.config.logger.warn(`axios-ws-auth: ${message}`));
  }

  /** Installs a new token set (unless `clear()` ended the flight), saves it, tells the listeners. */
  private async accept(tokenSet: TokenSet, source: TokenEvent['source'], flight: Flight, rotated = false): Promise<TokenSet> {
    const { now, logger } = this.config;
    if (flight.epoch !== this.epoch) return tokenSet; // cleared meanwhile: hand it to the waiters, keep nothing
    const durationMs = now() - flight.startedAt;
    this.install(tokenSet, flight.cause === 'refusal', durationMs);
    if (source === 'store') this.recorder.storeHits++;
    else await this.store.write(tokenSet);
    if (source !== 'store') this.recorder.recordLatency(durationMs);
    const event: TokenEvent = { source, fingerprint: fingerprint(tokenSet.accessToken)!, expiresAt: tokenSet.expiresAt, durationMs, rotated };
    logger.info(`axios-ws-auth: new token (${source})`, { fingerprint: event.fingerprint, expiresAt: event.expiresAt, durationMs });
    if (source === 'authenticate') this.notify('authenticated', event);
    if (source === 'refresh') this.notify('refreshed', event);
    this.notify('token', event);
    return tokenSet;
  }

  private install(tokenSet: TokenSet, afterRefusal: boolean, roundTripMs: number): void {
    const now = this.config.now();
    this.tokenSet = tokenSet;
    this.rejectedToken = undefined;
    this.tokenHistory = { afterRefusal, accepted: false };
    const lifetime = tokenSet.expiresAt === undefined ? Infinity : tokenSet.expiresAt - tokenSet.receivedAt;
    if (isDue(tokenSet, now, this.config.refreshLeewayMs) || lifetime <= Math.max(roundTripMs, MIN_LIFETIME_MS)) {
      // Already due on arrival (a lifetime shorter than the round trip): refreshing before every use would loop.
      const waitMs = this.backoff.record(undefined, now);
      this.config.logger.warn('axios-ws-auth: the new token arrived already due; using it and pacing refreshes', { waitMs });
    } else {
      this.backoff.succeeded(afterRefusal);
    }
    this.scheduleAutoRefresh();
  }

  private recordFailure(error: AuthError, startedAt: number): void {
    const now = this.config.now();
    const waitMs = this.backoff.record(error, now);
    this.recorder.refreshFailures++;
    this.config.logger.warn('axios-ws-auth: token request failed', { code: error.code, retryable: error.retryable, retryInMs: waitMs, message: error.message });
    this.notify('refreshFailed', { error, retryable: error.retryable, durationMs: now - startedAt, retryAt: now + waitMs });
    // Rejected credentials are final; a redirecting token endpoint is a misconfiguration, not a verdict on them.
    if (!error.retryable && error.code !== ErrorCodes.TOKEN_ENDPOINT_REDIRECT) this.notify('error', error);
    this.scheduleAutoRefresh();
  }

  private scheduleAutoRefresh(): void {
    if (!this.config.autoRefresh || this.closed || !this.tokenSet) return;
    const due = dueAt(this.tokenSet, this.config.refreshLeewayMs);
    if (due === undefined && !this.backoff.until) return;
    const at = Math.max(due ?? 0, this.backoff.until ?? 0);
    // Fires past any wait (it is scheduled there), so it ignores the gate: a timer a millisecond early must not end autoRefresh.
    this.timer.schedule(at - this.config.now(), () => void this.startFlight('due', { ignoreBackoff: true }).catch(() => undefined));
  }

  /** Adopts at once what another runtime saves, where the store can tell (browser tabs). */
  private watchStore(): void {
    if (this.unwatch || this.closed) return;
    this.unwatch = this.store.watch((tokenSet) => {
      if (!tokenSet || this.refreshInFlight || !this.isGood(tokenSet)) return;
      if (this.tokenSet && tokenSet.receivedAt <= this.tokenSet.receivedAt) return;
      void this.accept(tokenSet, 'store', { startedAt: this.config.now(), epoch: this.epoch, cause: 'due' });
    });
  }

  /** Emits without letting a listener's throw turn a good token into a failed flight. */
  private notify<K extends keyof AuthManagerEvents>(event: K, ...args: Parameters<AuthManagerEvents[K]>): void {
    try {
      (this.emit as (event: K, ...args: Parameters<AuthManagerEvents[K]>) => boolean)(event, ...args);
    } catch (error) {
      this.config.logger.error(`axios-ws-auth: a '${event}' listener threw`, { message: safeCause(error).message });
    }
  }
}
