import { EventEmitter } from 'eventemitter3';
import { readConfig, type AuthConfigInput } from './config-reader';
import { AuthError, ConfigError, ErrorCodes, safeCause } from '../errors';
import { notifySafely, type AuthManagerEvents, type TokenEvent } from './events';
import { FailureBackoff } from './failure-backoff';
import { DpopProver } from './dpop';
import { HeaderCache, proofHeaders, type RequestTarget } from './header-cache';
import { MetricsRecorder, type AuthMetrics } from './metrics';
import { describeOptions, normalizeOptions, type NormalizedOptions } from './normalize-options';
import type { AuthManagerOptions, CommonAuthOptions } from './options';
import { revokeTokens, type RevocationResult } from './revocation';
import { FreshTokenRefusals } from './fresh-token-refusals';
import { RefreshTimer } from './refresh-timer';
import { StoreAccess } from './store-access';
import { TokenEndpoint } from './token-endpoint';
import { obtainToken, type Flight, type FlightCause, type FlightContext } from './token-flight';
import { arrivedDue, isDue, isUnexpired, nextRefreshAt } from './token-policy';
import { fingerprint, type TokenSet } from './token-set';
import { INSPECT, printed } from './printable';

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
  private readonly dpop: DpopProver | undefined;
  private readonly recorder = new MetricsRecorder();
  private readonly backoff: FailureBackoff;
  private readonly timer = new RefreshTimer();
  private readonly headers: HeaderCache;
  private readonly store: StoreAccess;
  private tokenSet: TokenSet | undefined;
  private readonly refusals = new FreshTokenRefusals();
  /** The access token a server answered 401 to: never handed out again. */
  private rejectedToken: string | undefined;
  /** A refresh token the server rejected: never presented again. */
  private deadRefreshToken: string | undefined;
  private refreshInFlight: Promise<TokenSet> | undefined;
  private unwatch: (() => void) | undefined;
  private ownedStore: NormalizedOptions['store'] | undefined;
  private closed = false;
  /** Bumped by `clear()`: a flight started before it must not touch the new session. */
  private epoch = 0;
  /** Aborted by `clear()` and `close()`: a grant waiting for a person (device code) stops waiting. */
  private lifetime = new AbortController();

  constructor(options: AuthManagerOptions) {
    super();
    this.config = normalizeOptions(options);
    this.dpop = this.config.dpop && new DpopProver(this.config.dpop);
    this.endpoint = this.config.endpoint && new TokenEndpoint(this.config.endpoint, this.dpop, this.config.logger);
    this.config.device?.signal?.addEventListener('abort', () => this.lifetime.abort(), { once: true });
    this.backoff = new FailureBackoff(this.config.retryDelayMs, this.config.maxRetryDelayMs);
    this.headers = new HeaderCache(this.config.apiKey?.header);
    this.store = new StoreAccess(this.config.store, this.config.storeKey, this.config.logger, this.recorder, this.config.now);
    if (options.logger) this.config.store.useLogger?.(options.logger);
    // Secrets live in these: keep them out of util.inspect, JSON and enumeration (see toJSON for what is shown).
    const hidden = ['config', 'endpoint', 'dpop', 'headers', 'store', 'tokenSet', 'rejectedToken', 'deadRefreshToken', 'refreshInFlight', 'lifetime'] as const;
    for (const field of hidden) Object.defineProperty(this, field, { enumerable: false, writable: true });
  }

  /** A manager from what `loadConfig()` returns, or its `gateway` section; `overrides` adds logger, timeouts… */
  static fromConfig(config: AuthConfigInput, overrides?: CommonAuthOptions): AuthManager {
    const options = readConfig(config, overrides);
    if (!options) throw new ConfigError('AuthManager.fromConfig needs the config module (import it from axios-ws-auth)', { code: ErrorCodes.INVALID_OPTIONS });
    const manager = new AuthManager(options);
    if (options.store !== overrides?.store) manager.ownedStore = options.store; // made from token_cache: close() ends it
    return manager;
  }

  /** A valid access token: authenticates lazily, waits for an in-flight refresh, refreshes near expiry. */
  async getAccessToken(): Promise<string> {
    return this.config.apiKey?.value ?? (await this.validTokenSet()).accessToken;
  }

  /**
   * `Authorization: Bearer …`, or the API-key header (a frozen object: copy it
   * to change it). With `dpop`, `Authorization: DPoP …` and a `DPoP` proof
   * for `request`, which is then required: a proof names one method and URL.
   */
  async getAuthHeaders(request?: RequestTarget): Promise<Readonly<Record<string, string>>> {
    const ready = this.currentAuthHeaders();
    if (ready) return this.headers.promiseOf(ready);
    if (this.config.apiKey) return this.headers.headersFor(this.config.apiKey.value);
    const tokenSet = await this.validTokenSet();
    if (!this.dpop || tokenSet.tokenType !== 'DPoP') return this.headers.headersFor(tokenSet.accessToken);
    if (typeof request?.method !== 'string' || typeof request.url !== 'string') {
      throw new ConfigError('getAuthHeaders: a DPoP-bound token needs the request it is for: getAuthHeaders({ method, url })', { key: 'request', code: ErrorCodes.INVALID_OPTIONS });
    }
    return proofHeaders(this.dpop, tokenSet.accessToken, request);
  }

  /**
   * The headers of a token that is good right now, or `undefined` when a
   * token must first be fetched or refreshed (then `await getAuthHeaders()`).
   * For hot paths that would rather not wait a turn; never starts a request.
   * Always `undefined` with `dpop`: every request needs a proof of its own.
   */
  currentAuthHeaders(): Readonly<Record<string, string>> | undefined {
    if (this.dpop) return undefined;
    const token = this.config.apiKey?.value ?? this.readyToken()?.accessToken;
    return token === undefined ? undefined : this.headers.headersFor(token);
  }

  /** A `DPoP-Nonce` a server sent (attachAuth passes them on): the next proofs for its origin carry it. */
  rememberDpopNonce(url: string, nonce: string): void {
    this.dpop?.rememberNonce(url, nonce);
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
   * no longer current means someone already refreshed: returns at once. A
   * token that replaced a refused one, refused again before any server took
   * it, rejects with `AUTH_FAILED` (retryable) and backs off.
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
      const verdict = this.refusals.verdict(this.config.now() - this.tokenSet!.receivedAt, Math.max(1_000, this.config.retryDelayMs));
      if (verdict) {
        this.recordFailure(verdict, this.config.now());
        throw verdict;
      }
    }
    await this.startFlight('refusal');
  }

  /** A server accepted `token` (attachAuth and SessionChannel say so): a later refusal of it is an expiry, not a verdict. */
  tokenAccepted(token: string): void {
    if (token === this.tokenSet?.accessToken) this.refusals.accepted();
  }

  /** A copy of the counters. */
  metrics(): AuthMetrics {
    return this.recorder.snapshot();
  }

  /** Forgets the tokens, here and in the store; `{ revoke: true }` revokes them at the server first (see `revoke()`). */
  async clear(options?: { revoke?: boolean }): Promise<void> {
    if (options?.revoke === true) return void (await this.revoke());
    // A flight under way belongs to the forgotten session: its token is not installed, its failure not counted.
    this.epoch++;
    this.lifetime.abort();
    this.lifetime = new AbortController();
    this.refreshInFlight = undefined;
    this.tokenSet = undefined;
    this.rejectedToken = undefined;
    this.deadRefreshToken = undefined;
    this.backoff.reset();
    this.timer.stop();
    await this.store.clear();
  }

  /**
   * Logout: forgets the tokens (here and in the store), then revokes the
   * refresh token and the access token at the revocation endpoint (RFC 7009).
   * Never throws: a failure is logged and listed in the result.
   */
  async revoke(): Promise<RevocationResult> {
    const tokenSet = this.tokenSet ?? (await this.store.read());
    await this.clear();
    return revokeTokens(this.endpoint, tokenSet, this.config.now(), this.config.logger);
  }

  /** Stops the background refresh timer, store subscriptions, a store made from the config, and a device authorization's wait. The manager still answers calls. */
  close(): void {
    this.closed = true;
    this.lifetime.abort();
    this.timer.stop();
    this.unwatch?.();
    this.unwatch = undefined;
    void Promise.resolve(this.ownedStore?.close?.()).catch(() => undefined);
  }

  /** What `JSON.stringify` and `util.inspect` show: metadata, never a secret. */
  toJSON(): Record<string, unknown> {
    return {
      ...describeOptions(this.config),
      fingerprint: fingerprint(this.tokenSet?.accessToken),
      expiresAt: this.tokenSet?.expiresAt,
      refreshing: this.refreshInFlight !== undefined,
    };
  }

  [INSPECT](): string {
    return printed('AuthManager', this.toJSON());
  }

  /** A good token set: authenticates lazily, waits for an in-flight refresh, refreshes near expiry. */
  private async validTokenSet(): Promise<TokenSet> {
    const ready = this.readyToken();
    if (ready) return ready;
    const refused = this.tokenSet !== undefined && this.tokenSet.accessToken === this.rejectedToken;
    try {
      return await this.startFlight(refused ? 'refusal' : 'due');
    } catch (error) {
      // A failed early refresh leaves a token that is still good: use it until it expires.
      const kept = this.tokenSet;
      if (kept && kept.accessToken !== this.rejectedToken && isUnexpired(kept, this.config.now())) return kept;
      throw error;
    }
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
      return await this.store.locked(() => obtainToken(this.flightContext(flight)));
    } catch (caught) {
      const error = caught instanceof AuthError ? caught : new AuthError(`authentication failed: ${safeCause(caught).message}`, { code: 'UNEXPECTED', cause: safeCause(caught) });
      if (flight.epoch === this.epoch) this.recordFailure(error, flight.startedAt);
      throw error;
    }
  }

  private flightContext(flight: Flight): FlightContext {
    const { config, endpoint, recorder, store } = this;
    return {
      ...{ cause: flight.cause, config, endpoint, recorder, store, signal: this.lifetime.signal },
      current: () => this.tokenSet,
      isGood: (tokenSet) => this.isGood(tokenSet),
      isDead: (refreshToken) => refreshToken === this.deadRefreshToken,
      markDead: (refreshToken) => void (flight.epoch === this.epoch && (this.deadRefreshToken = refreshToken)),
      accept: (tokenSet, source, rotated) => this.accept(tokenSet, source, flight, rotated),
    };
  }

  private isGood(tokenSet: TokenSet): boolean {
    return tokenSet.accessToken !== this.rejectedToken && !isDue(tokenSet, this.config.now(), this.config.refreshLeewayMs);
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
    this.refusals.installed(afterRefusal);
    if (arrivedDue(tokenSet, now, this.config.refreshLeewayMs, roundTripMs)) {
      // Refreshing before every use would loop: use it, and space the next refresh.
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
    if (!error.retryable && error.code !== ErrorCodes.TOKEN_ENDPOINT_REDIRECT && error.code !== ErrorCodes.ABORTED) this.notify('error', error);
    this.scheduleAutoRefresh();
  }

  private scheduleAutoRefresh(): void {
    if (!this.config.autoRefresh || this.closed || !this.tokenSet) return;
    const at = nextRefreshAt(this.tokenSet, this.config.refreshLeewayMs, this.backoff.until);
    if (at === undefined) return;
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

  private notify<K extends keyof AuthManagerEvents>(event: K, ...args: Parameters<AuthManagerEvents[K]>): void {
    notifySafely(this, this.config.logger, event, ...args);
  }
}
