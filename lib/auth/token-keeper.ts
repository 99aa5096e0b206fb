import { EventEmitter } from 'eventemitter3';
import { AuthError, ErrorCodes, safeCause } from '../errors';
import { notifySafely, type AuthManagerEvents, type TokenEvent } from './events';
import { FailureBackoff } from './failure-backoff';
import { DpopProver } from './dpop';
import { HeaderCache } from './header-cache';
import { MetricsRecorder } from './metrics';
import { normalizeOptions, type NormalizedOptions } from './normalize-options';
import type { AuthManagerOptions } from './options';
import { FreshTokenRefusals } from './fresh-token-refusals';
import { RefreshTimer } from './refresh-timer';
import { StoreAccess } from './store-access';
import { TokenEndpoint } from './token-endpoint';
import { obtainToken, type Flight, type FlightCause, type FlightContext } from './token-flight';
import { arrivedDue, isDue, isUnexpired, nextRefreshAt } from './token-policy';
import { fingerprint, type TokenSet } from './token-set';

/**
 * @internal The machinery behind `AuthManager`: its state, the single token
 * flight, what a new token or a failure changes, the background refresh.
 * `AuthManager` adds the public methods on top; nothing else extends this.
 */
export abstract class TokenKeeper extends EventEmitter<AuthManagerEvents> {
  protected readonly config: NormalizedOptions;
  protected readonly endpoint: TokenEndpoint | undefined;
  protected readonly dpop: DpopProver | undefined;
  protected readonly recorder = new MetricsRecorder();
  protected readonly backoff: FailureBackoff;
  protected readonly timer = new RefreshTimer();
  protected readonly headers: HeaderCache;
  protected readonly store: StoreAccess;
  protected tokenSet: TokenSet | undefined;
  protected readonly refusals = new FreshTokenRefusals();
  /** The access token a server answered 401 to: never handed out again. */
  protected rejectedToken: string | undefined;
  /** A refresh token the server rejected: never presented again. */
  protected deadRefreshToken: string | undefined;
  protected refreshInFlight: Promise<TokenSet> | undefined;
  protected unwatch: (() => void) | undefined;
  protected ownedStore: NormalizedOptions['store'] | undefined;
  protected closed = false;
  /** Bumped by `clear()`: a flight started before it must not touch the new session. */
  protected epoch = 0;
  /** Aborted by `clear()` and `close()`: a grant waiting for a person (device code) stops waiting. */
  protected lifetime = new AbortController();

  protected constructor(options: AuthManagerOptions) {
    super();
    this.config = normalizeOptions(options);
    this.dpop = this.config.dpop && new DpopProver(this.config.dpop);
    this.endpoint = this.config.endpoint && new TokenEndpoint(this.config.endpoint, this.dpop, this.config.logger);
    // The user's signal ends every device authorization of this manager, one already aborted included.
    this.config.device?.signal?.addEventListener('abort', () => this.lifetime.abort(), { once: true });
    if (this.config.device?.signal?.aborted) this.lifetime.abort();
    this.backoff = new FailureBackoff(this.config.retryDelayMs, this.config.maxRetryDelayMs);
    this.headers = new HeaderCache(this.config.apiKey?.header);
    this.store = new StoreAccess(this.config.store, this.config.storeKey, this.config.logger, this.recorder, this.config.now);
    if (options.logger) this.config.store.useLogger?.(options.logger);
    if (this.config.dpop && !this.config.dpop.privateKey && options.store) {
      this.config.logger.warn('axios-ws-auth: dpop: true makes a key pair for this manager only; its tokens are bound to it and no other runtime can use them from the store (give every runtime the same dpop: { privateKey } to share them)');
    }
    // Secrets live in these: keep them out of util.inspect, JSON and enumeration (see toJSON for what is shown).
    const hidden = ['config', 'endpoint', 'dpop', 'headers', 'store', 'tokenSet', 'rejectedToken', 'deadRefreshToken', 'refreshInFlight', 'lifetime'] as const;
    for (const field of hidden) Object.defineProperty(this, field, { enumerable: false, writable: true });
  }

  /** A good token set: authenticates lazily, waits for an in-flight refresh, refreshes near expiry. */
  protected async validTokenSet(): Promise<TokenSet> {
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
  protected readyToken(): TokenSet | undefined {
    const current = this.tokenSet;
    if (this.refreshInFlight || !current || current.accessToken === this.rejectedToken) return undefined;
    const now = this.config.now();
    if (!isDue(current, now, this.config.refreshLeewayMs)) return current;
    // Due, but the next try must wait (a failure's backoff, or the spacing after a token that came already due).
    if (this.backoff.waiting(now) && (!this.backoff.blocking(now) || isUnexpired(current, now))) return current;
    return undefined;
  }

  protected startFlight(cause: FlightCause, { ignoreBackoff = false } = {}): Promise<TokenSet> {
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

  protected recordFailure(error: AuthError, startedAt: number): void {
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

  protected notify<K extends keyof AuthManagerEvents>(event: K, ...args: Parameters<AuthManagerEvents[K]>): void {
    notifySafely(this, this.config.logger, event, ...args);
  }
}
