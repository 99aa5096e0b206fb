import { EventEmitter } from 'eventemitter3';
import { AuthError, TokenRequestError, safeCause } from '../errors';
import { authOptionsFromConfig } from '../config/auth-options';
import type { GatewayConfig, GatewaySection } from '../config/types';
import { withDeadline } from './deadline';
import type { AuthManagerEvents, TokenEvent } from './events';
import { MetricsRecorder, type AuthMetrics } from './metrics';
import { normalizeOptions, type AuthManagerOptions, type CommonAuthOptions, type NormalizedOptions } from './options';
import { TokenEndpoint } from './token-endpoint';
import { fingerprint, toTokenSet, type TokenSet } from './token-set';

/** 'refresh': the cheapest way to a good token (store, refresh grant, then the grant); 'authenticate': the grant itself. */
type FlightKind = 'refresh' | 'authenticate';

/** One token flight: when it started, and in which session (`epoch`). */
interface Flight {
  startedAt: number;
  epoch: number;
}

/**
 * Owns one client's credentials. Every consumer (axios interceptors, session
 * channels, direct callers) borrows tokens from it; proactive and reactive
 * refreshes share one in-flight promise, so any number of concurrent callers
 * cause a single token request.
 */
export class AuthManager extends EventEmitter<AuthManagerEvents> {
  private readonly config: NormalizedOptions;
  private readonly endpoint: TokenEndpoint | undefined;
  private readonly recorder = new MetricsRecorder();
  private tokenSet: TokenSet | undefined;
  /** The access token a server has answered 401 to: never handed out again. */
  private rejectedToken: string | undefined;
  private refreshInFlight: Promise<TokenSet> | undefined;
  private storeRead = false;
  private failure: { error: AuthError; retryAt: number; count: number } | undefined;
  private autoRefreshTimer: NodeJS.Timeout | undefined;
  /** The frozen headers of the current token, and a settled promise of them: every request asks. */
  private currentHeaders: { token: string; headers: Readonly<Record<string, string>> } | undefined;
  private settledHeaders: { headers: Readonly<Record<string, string>>; promise: Promise<Readonly<Record<string, string>>> } | undefined;
  private closed = false;
  /** Bumped by `clear()`: a flight started before it must not bring the old session back. */
  private epoch = 0;

  constructor(options: AuthManagerOptions) {
    super();
    this.config = normalizeOptions(options);
    this.endpoint = this.config.endpoint && new TokenEndpoint(this.config.endpoint);
  }

  /** A manager from what `loadConfig()` returns, or its `gateway` section; `overrides` adds logger, timeouts… */
  static fromConfig(config: GatewayConfig | GatewaySection, overrides?: CommonAuthOptions): AuthManager {
    return new AuthManager(authOptionsFromConfig(config, overrides));
  }

  /** A valid access token: authenticates lazily, waits for an in-flight refresh, refreshes near expiry. */
  async getAccessToken(): Promise<string> {
    if (this.config.apiKey) return this.config.apiKey.value;
    if (!this.refreshInFlight && this.tokenSet && !this.isDue(this.tokenSet)) return this.tokenSet.accessToken;
    const flight = this.startFlight('refresh');
    try {
      return (await flight).accessToken;
    } catch (error) {
      // A failed early refresh leaves a token that is still good: use it until it expires.
      if (this.tokenSet && this.isUsable(this.tokenSet)) return this.tokenSet.accessToken;
      throw error;
    }
  }

  /** `Authorization: Bearer …`, or the API-key header (a frozen object: copy it to change it). */
  getAuthHeaders(): Promise<Readonly<Record<string, string>>> {
    const ready = this.currentAuthHeaders();
    if (!ready) return this.getAccessToken().then(bearer);
    // Every request asks: while the token is good, the same settled promise answers, allocation-free.
    if (this.settledHeaders?.headers !== ready) this.settledHeaders = { headers: ready, promise: Promise.resolve(ready) };
    return this.settledHeaders.promise;
  }

  /**
   * The headers of a token that is good right now, or `undefined` when a
   * token must first be fetched or refreshed (then `await getAuthHeaders()`).
   * For hot paths that would rather not wait a turn; never starts a request.
   */
  currentAuthHeaders(): Readonly<Record<string, string>> | undefined {
    const { apiKey } = this.config;
    const current = this.tokenSet;
    const token = apiKey ? apiKey.value : !this.refreshInFlight && current && !this.isDue(current) ? current.accessToken : undefined;
    if (token === undefined) return undefined;
    if (this.currentHeaders?.token !== token) {
      this.currentHeaders = { token, headers: Object.freeze(apiKey ? { [apiKey.header]: token } : bearer(token)) };
    }
    return this.currentHeaders.headers;
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
   * that is no longer current means someone already refreshed: returns at once.
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
    this.rejectedToken = current;
    await this.startFlight('refresh');
  }

  /** A copy of the counters. */
  metrics(): AuthMetrics {
    return this.recorder.snapshot();
  }

  /** Forgets the tokens, here and in the store. */
  async clear(): Promise<void> {
    // A flight under way belongs to the forgotten session: its token is not installed (see accept()).
    this.epoch++;
    this.refreshInFlight = undefined;
    this.tokenSet = undefined;
    this.rejectedToken = undefined;
    this.failure = undefined;
    this.storeRead = true;
    this.stopTimer();
    await this.config.store.clear(this.config.storeKey);
  }

  /** Stops the background refresh timer. The manager still answers calls. */
  close(): void {
    this.closed = true;
    this.stopTimer();
  }

  private startFlight(kind: FlightKind, { ignoreBackoff = false } = {}): Promise<TokenSet> {
    if (this.refreshInFlight) return this.refreshInFlight;
    if (!ignoreBackoff && this.failure && this.config.now() < this.failure.retryAt) {
      return Promise.reject(this.failure.error);
    }
    const flight: Promise<TokenSet> = this.fly(kind).finally(() => {
      if (this.refreshInFlight === flight) this.refreshInFlight = undefined;
    });
    this.refreshInFlight = flight;
    return flight;
  }

  private async fly(kind: FlightKind): Promise<TokenSet> {
    const { store, storeKey, now, logger } = this.config;
    const startedAt = now();
    const flight: Flight = { startedAt, epoch: this.epoch };
    try {
      const obtain = () => this.obtain(kind, flight);
      const tokenSet = store.withLock ? await store.withLock(storeKey, obtain) : await obtain();
      this.failure = undefined;
      return tokenSet;
    } catch (caught) {
      const error = caught instanceof AuthError ? caught : new AuthError(`authentication failed: ${safeCause(caught).message}`, { code: 'UNEXPECTED', cause: safeCause(caught) });
      const count = (this.failure?.count ?? 0) + 1;
      const delay = Math.min(this.config.maxRetryDelayMs, this.config.retryDelayMs * 2 ** (count - 1));
      const retryAt = now() + delay;
      this.failure = { error, retryAt, count };
      this.recorder.refreshFailures++;
      logger.warn('axios-ws-auth: token request failed', { code: error.code, retryable: error.retryable, retryInMs: delay, message: error.message });
      this.notify('refreshFailed', { error, retryable: error.retryable, durationMs: now() - startedAt, retryAt });
      if (!error.retryable) this.notify('error', error);
      if (this.config.autoRefresh && this.tokenSet) this.schedule(delay);
      throw error;
    }
  }

  /** Store first, then the refresh grant, then a full authentication: the cheapest way to a good token. */
  private async obtain(kind: FlightKind, flight: Flight): Promise<TokenSet> {
    if (!this.storeRead || this.config.store.withLock) {
      this.storeRead = true;
      const adopted = await this.adoptStored(flight);
      if (adopted) return adopted;
    }
    const refreshToken = this.tokenSet?.refreshToken;
    if (kind !== 'authenticate' && refreshToken !== undefined && this.endpoint) {
      try {
        return await this.refresh(refreshToken, flight);
      } catch (error) {
        if (!(error instanceof TokenRequestError && error.rejected)) throw error;
        this.recorder.fallbacks++;
        this.config.logger.warn('axios-ws-auth: refresh token rejected; authenticating again', { oauthError: error.oauthError });
        // Another process sharing the store may have rotated the refresh token.
        const adopted = await this.adoptStored(flight);
        if (adopted) return adopted;
        this.tokenSet = undefined;
      }
    }
    return this.authenticateWithGrant(flight);
  }

  private async refresh(refreshToken: string, flight: Flight): Promise<TokenSet> {
    this.recorder.tokenRequests++;
    const body = await this.endpoint!.request({ grant_type: 'refresh_token', refresh_token: refreshToken });
    const tokenSet = toTokenSet(body, this.config.now(), refreshToken);
    this.recorder.refreshes++;
    return this.accept(tokenSet, 'refresh', flight, tokenSet.refreshToken !== refreshToken);
  }

  private async authenticateWithGrant(flight: Flight): Promise<TokenSet> {
    const { grant, password, scope } = this.config;
    this.recorder.tokenRequests++;
    let body: unknown;
    if (typeof grant === 'function') {
      const timeoutMs = this.config.grantTimeoutMs;
      const timedOut = () => new TokenRequestError(`custom grant timed out after ${timeoutMs} ms`, { code: 'TOKEN_REQUEST_TIMEOUT', retryable: true });
      body = await withDeadline(timeoutMs, (signal) => grant({ signal }), timedOut).catch((error: unknown) => {
        throw error instanceof AuthError ? error : new TokenRequestError(`custom grant failed: ${safeCause(error).message}`, { cause: safeCause(error) });
      });
    } else if (password) {
      body = await this.endpoint!.request({ grant_type: 'password', username: password.username, password: password.password, scope });
    } else {
      body = await this.endpoint!.request({ grant_type: 'client_credentials', scope });
    }
    const tokenSet = toTokenSet(body, this.config.now());
    this.recorder.authentications++;
    return this.accept(tokenSet, 'authenticate', flight, false);
  }

  /** Takes the store's token set when it is newer than ours and still good. */
  private async adoptStored(flight: Flight): Promise<TokenSet | undefined> {
    let stored: TokenSet | undefined;
    try {
      stored = await this.config.store.load(this.config.storeKey);
    } catch (error) {
      this.config.logger.warn('axios-ws-auth: token store unreadable; ignoring it', { message: safeCause(error).message });
    }
    if (!stored || stored.accessToken === this.tokenSet?.accessToken || stored.accessToken === this.rejectedToken) return undefined;
    if (this.tokenSet && stored.receivedAt <= this.tokenSet.receivedAt) return undefined;
    if (!this.isDue(stored)) return this.accept(stored, 'store', flight, false, { save: false });
    // Expired, but its refresh token may be newer than ours (rotated elsewhere).
    if (stored.refreshToken) this.tokenSet = stored;
    return undefined;
  }

  private async accept(tokenSet: TokenSet, source: TokenEvent['source'], flight: Flight, rotated: boolean, { save = true } = {}): Promise<TokenSet> {
    const { now, store, storeKey, logger } = this.config;
    if (flight.epoch !== this.epoch) return tokenSet; // cleared meanwhile: hand it to the waiters, keep nothing
    this.tokenSet = tokenSet;
    this.rejectedToken = undefined;
    if (save) {
      await store.save(storeKey, tokenSet).catch((error: unknown) => {
        logger.warn('axios-ws-auth: could not save the token set', { message: safeCause(error).message });
      });
    }
    const durationMs = now() - flight.startedAt;
    if (source !== 'store') this.recorder.recordLatency(durationMs);
    const event: TokenEvent = { source, fingerprint: fingerprint(tokenSet.accessToken)!, expiresAt: tokenSet.expiresAt, durationMs, rotated };
    logger.info(`axios-ws-auth: new token (${source})`, { fingerprint: event.fingerprint, expiresAt: event.expiresAt, durationMs });
    if (source === 'authenticate') this.notify('authenticated', event);
    if (source === 'refresh') this.notify('refreshed', event);
    this.notify('token', event);
    if (this.config.autoRefresh && tokenSet.expiresAt !== undefined) {
      this.schedule(tokenSet.expiresAt - this.leewayFor(tokenSet) - now());
    }
    return tokenSet;
  }

  /** The effective leeway: the given value capped at half the lifetime, else min(30 s, lifetime/10). */
  leewayFor(tokenSet: Pick<TokenSet, 'expiresAt' | 'receivedAt'>): number {
    if (tokenSet.expiresAt === undefined) return 0;
    const lifetime = Math.max(0, tokenSet.expiresAt - tokenSet.receivedAt);
    const given = this.config.refreshLeewayMs;
    return given === undefined ? Math.min(30_000, lifetime / 10) : Math.min(given, lifetime / 2);
  }

  private isDue(tokenSet: TokenSet): boolean {
    if (tokenSet.accessToken === this.rejectedToken) return true;
    return tokenSet.expiresAt !== undefined && this.config.now() >= tokenSet.expiresAt - this.leewayFor(tokenSet);
  }

  private isUsable(tokenSet: TokenSet): boolean {
    if (tokenSet.accessToken === this.rejectedToken) return false;
    return tokenSet.expiresAt === undefined || this.config.now() < tokenSet.expiresAt;
  }

  private schedule(delayMs: number): void {
    this.stopTimer();
    if (this.closed) return;
    // setTimeout overflows past 2^31-1 ms; a long-lived token is simply re-checked then.
    this.autoRefreshTimer = setTimeout(() => {
      this.autoRefreshTimer = undefined;
      // The timer is already set past any backoff (a failure reschedules it), and a timer may fire
      // a millisecond before the wall clock agrees; a gate check here could end autoRefresh for good.
      this.startFlight('refresh', { ignoreBackoff: true }).catch(() => undefined); // failures surface as events and reschedule
    }, Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
    this.autoRefreshTimer.unref();
  }

  /** Emits without letting a listener's throw turn a good token into a failed flight. */
  private notify<K extends keyof AuthManagerEvents>(event: K, ...args: Parameters<AuthManagerEvents[K]>): void {
    try {
      (this.emit as (event: K, ...args: Parameters<AuthManagerEvents[K]>) => boolean)(event, ...args);
    } catch (error) {
      this.config.logger.error(`axios-ws-auth: a '${event}' listener threw`, { message: safeCause(error).message });
    }
  }

  private stopTimer(): void {
    if (this.autoRefreshTimer) clearTimeout(this.autoRefreshTimer);
    this.autoRefreshTimer = undefined;
  }
}

function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}
