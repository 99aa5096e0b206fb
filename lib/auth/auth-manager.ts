import { readConfig, type AuthConfigInput } from './config-reader';
import { AuthError, ConfigError, ErrorCodes } from '../errors';
import { proofHeaders, type RequestTarget } from './header-cache';
import type { AuthMetrics } from './metrics';
import { describeOptions } from './normalize-options';
import type { AuthManagerOptions, ConfigOverrides } from './options';
import { revokeTokens, type RevocationResult } from './revocation';
import { fingerprint, type TokenSet } from './token-set';
import { INSPECT, printed } from './printable';
import { TokenKeeper } from './token-keeper';

/**
 * Owns one client's credentials. Every consumer (axios interceptors, session
 * channels, direct callers) borrows tokens from it; proactive and reactive
 * refreshes share one in-flight promise, so any number of concurrent callers
 * cause a single token request. With a store that has a lock, many managers
 * (processes, machines, tabs) share one token request per expiry.
 */
export class AuthManager extends TokenKeeper {
  constructor(options: AuthManagerOptions) {
    super(options);
  }

  /** A manager from what `loadConfig()` returns, or its `gateway` section; `overrides` adds logger, timeouts… */
  static fromConfig(config: AuthConfigInput, overrides?: ConfigOverrides): AuthManager {
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
  getAuthHeaders(request?: RequestTarget): Promise<Readonly<Record<string, string>>> {
    // Not async: a good token's headers come back as the same settled promise, allocating nothing (every request asks).
    const ready = this.currentAuthHeaders();
    if (ready) return this.headers.promiseOf(ready);
    return this.validTokenSet().then((tokenSet) => {
      if (!this.dpop || tokenSet.tokenType !== 'DPoP') return this.headers.headersFor(tokenSet.accessToken);
      if (typeof request?.method !== 'string' || typeof request.url !== 'string') {
        throw new ConfigError('getAuthHeaders: a DPoP-bound token needs the request it is for: getAuthHeaders({ method, url })', { key: 'request', code: ErrorCodes.INVALID_OPTIONS });
      }
      return proofHeaders(this.dpop, tokenSet.accessToken, request);
    });
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

  /** Forgets the tokens, here and in the store; `{ revoke: true }` revokes them at the server first (see `revoke()`), and forgets them whatever the outcome. */
  async clear(options?: { revoke?: boolean }): Promise<void> {
    if (options?.revoke === true) await this.revoke();
    // A flight under way belongs to the forgotten session: its token is not installed, its failure not counted.
    this.epoch++;
    this.lifetime.abort();
    this.lifetime = new AbortController();
    if (this.config.device?.signal?.aborted) this.lifetime.abort();
    this.refreshInFlight = undefined;
    this.tokenSet = undefined;
    this.rejectedToken = undefined;
    this.deadRefreshToken = undefined;
    this.backoff.reset();
    this.timer.stop();
    await this.store.clear();
  }

  /**
   * Logout: revokes the refresh token and the access token at the revocation
   * endpoint (RFC 7009), then forgets them here and in the store. Never
   * throws: a failure is logged and listed in the result; after a retryable
   * one (unreachable, 503) the tokens are kept, so a second call can finish.
   */
  async revoke(): Promise<RevocationResult> {
    // A refresh under way would leave a refresh token the server issued and nobody revoked.
    await this.refreshInFlight?.catch(() => undefined);
    const tokenSet = this.tokenSet ?? (await this.store.read());
    // Revoked first, forgotten after: a 503 must leave the tokens where a second logout finds them (RFC 7009 §2.2.1).
    const result = await revokeTokens(this.endpoint, tokenSet, this.config.now(), this.config.logger);
    if (result.failed.length === 0 || result.failed.every(({ error }) => !error.retryable)) await this.clear();
    return result;
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

}
