import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientAuthenticator } from './client-auth';
import { DeviceFlow, type DeviceGrantOptions } from './device-flow';
import { audienceClaim, grantParams, invalidTarget, type GrantParams } from './grant-params';
import { oauthError, readForm, writeAnswer, writeEmpty, type OAuthAnswer } from './oauth-answer';
import { answerRevocation } from './revocation';
import { judgeGrant, type GrantParts } from './token-grants';
import { copyCounts, recordParams, zeroCounts, type OwnCounts, type TokenStats } from './token-stats';

export type { TokenStats } from './token-stats';
import { TokenStore, type Chain, type TokenCheck } from './token-store';

/** Options of the embedded OAuth2 token endpoint. */
export interface TokenAuthorityOptions {
  /** username → password accepted by the password grant. Default `{ 'user@example.com': 'password' }`. */
  users?: Record<string, string>;
  /** client_id → client_secret (`''` for a public client). Default `{ 'benchmark-client': '' }`. */
  clients?: Record<string, string>;
  /** Access token lifetime in seconds (fractions allowed). Default 3 600. */
  accessTokenTtlSeconds?: number;
  /** Issue a new refresh token on each refresh and revoke the old one. Default true. */
  rotateRefreshTokens?: boolean;
  /** Delay before each token response, ms. Default 0. */
  tokenLatencyMs?: number;
  /** Send `expires_in` (otherwise only the JWT's exp/iat tell the lifetime). Default true. */
  sendExpiresIn?: boolean;
  /**
   * Reuse detection, as Auth0, Okta, Keycloak and Hydra do it: a rotated-out
   * refresh token presented again revokes the whole grant (every access and
   * refresh token of its chain). Default false.
   */
  detectReuse?: boolean;
  /** The device authorization grant (RFC 8628): polling interval and code lifetime. */
  device?: DeviceGrantOptions;
}

/** What the server in front of the authority says about itself; without it, the request's `Host` tells. */
export interface EndpointContext {
  /** The device verification page's URL. Default `http://<Host>/device`. */
  verificationUri?: string;
}

/**
 * The token side of the test gateway: issues JWT-shaped (unsigned) access
 * tokens and opaque refresh tokens, checks them, and takes faults on command.
 */
export class TokenAuthority {
  private readonly users: Record<string, string>;
  private readonly clients: ClientAuthenticator;
  private readonly store = new TokenStore();
  private readonly detectReuse: boolean;
  private readonly expiryListeners = new Set<() => void>();
  private pendingFailures: { count: number; status: number } = { count: 0, status: 503 };
  private inFlight = 0;
  private readonly latencyTimers = new Set<NodeJS.Timeout>();
  private counts: OwnCounts = zeroCounts();
  private readonly device: DeviceFlow;
  accessTokenTtlSeconds: number;
  readonly rotateRefreshTokens: boolean;
  tokenLatencyMs: number;
  private readonly sendExpiresIn: boolean;
  /** Who approves a device code when the test names no one: the first user. */
  private readonly defaultSubject: string;

  constructor(options: TokenAuthorityOptions = {}) {
    this.users = options.users ?? { 'user@example.com': 'password' };
    this.clients = new ClientAuthenticator(options.clients ?? { 'benchmark-client': '' });
    this.accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 3600;
    this.rotateRefreshTokens = options.rotateRefreshTokens ?? true;
    this.tokenLatencyMs = options.tokenLatencyMs ?? 0;
    this.sendExpiresIn = options.sendExpiresIn ?? true;
    this.detectReuse = options.detectReuse ?? false;
    this.device = new DeviceFlow(options.device);
    this.defaultSubject = Object.keys(this.users)[0] ?? 'user@example.com';
  }

  stats(): TokenStats {
    return { ...copyCounts(this.counts), device: this.device.stats() };
  }

  /** Is this access token one we issued, and still alive? */
  check(token: string): TokenCheck {
    return this.store.check(token);
  }

  /** Every access token issued so far expires now. */
  expireAccessTokens(): void {
    this.store.expireAll();
    this.tellExpired();
  }

  /** Calls `listener` whenever tokens die before their time (expired or revoked by a test, or by a reuse); returns the unsubscribe. */
  onTokensExpired(listener: () => void): () => void {
    this.expiryListeners.add(listener);
    return () => this.expiryListeners.delete(listener);
  }

  /** This one access token expires now (the others keep their lifetime). */
  expireAccessToken(token: string): void {
    this.store.expireOne(token);
    this.tellExpired();
  }

  /**
   * Starts over: every token issued so far is unknown, the counters are 0,
   * and the lifetime and latency are the given ones (or kept).
   */
  reset(options: Pick<TokenAuthorityOptions, 'accessTokenTtlSeconds' | 'tokenLatencyMs'> = {}): void {
    this.store.clear();
    this.pendingFailures = { count: 0, status: 503 };
    this.counts = zeroCounts();
    this.device.reset();
    if (options.accessTokenTtlSeconds !== undefined) this.accessTokenTtlSeconds = options.accessTokenTtlSeconds;
    if (options.tokenLatencyMs !== undefined) this.tokenLatencyMs = options.tokenLatencyMs;
    this.tellExpired();
  }

  /** Every refresh token issued so far is rejected from now on (`invalid_grant`). */
  revokeRefreshTokens(): void {
    this.store.revokeRefreshTokens();
  }

  /** The next `count` token requests fail with `status` (default 503). */
  failTokenRequests(count: number, status = 503): void {
    this.pendingFailures = { count, status };
  }

  /** The user approves the device code shown as `userCode` (as `username`, default the first user); false if no pending code matches. */
  approveDevice(userCode: string, username = this.defaultSubject): boolean {
    return this.device.approve(userCode, username);
  }

  /** The user refuses the device code; its polls answer `access_denied`. False if no pending code matches. */
  denyDevice(userCode: string): boolean {
    return this.device.deny(userCode);
  }

  /** Every device code handed out so far expires: its polls answer `expired_token`. */
  expireDeviceCodes(): void {
    this.device.expireAll();
  }

  /** The next `count` device code polls answer `slow_down` (the enforced interval stays as it is). */
  slowDownNext(count: number): void {
    this.device.slowDownNext(count);
  }

  /** Handles `POST` on the token URL. */
  handle(request: IncomingMessage, response: ServerResponse): void {
    readForm(request, response, (form) => {
      this.counts.tokenRequests++;
      if (form === undefined) return void this.counts.rejected++;
      this.inFlight++;
      this.counts.maxConcurrentTokenRequests = Math.max(this.counts.maxConcurrentTokenRequests, this.inFlight);
      const answer = () => {
        this.inFlight--;
        // The client is gone (killed mid-request): nothing was delivered, so nothing is granted or rotated.
        if (response.destroyed || request.socket.destroyed) return void this.counts.abandoned++;
        writeAnswer(response, this.judge(form, request.headers.authorization));
      };
      if (this.tokenLatencyMs > 0) this.later(answer, this.tokenLatencyMs);
      else answer();
    });
  }

  /** Handles `POST` on the revocation URL (RFC 7009): client authentication as on the token endpoint. */
  handleRevocation(request: IncomingMessage, response: ServerResponse): void {
    readForm(request, response, (form) => {
      if (form === undefined) return;
      const { status, json } = this.respondRevocation(form, request.headers.authorization);
      if (status === 200) writeEmpty(response);
      else writeAnswer(response, { status, json });
    });
  }

  /** Answers one revocation without HTTP; a 200's `json` is `{}` (over HTTP the body is empty). */
  respondRevocation(form: URLSearchParams, authorization?: string): OAuthAnswer {
    const { answer, revoked } = answerRevocation(form, this.clients.authenticate(form, authorization), this.store, this.counts.revocation);
    if (revoked) this.tellExpired();
    return answer;
  }

  /** Handles `POST` on the device authorization URL (RFC 8628 §3.1). */
  handleDeviceAuthorization(request: IncomingMessage, response: ServerResponse, context: EndpointContext = {}): void {
    readForm(request, response, (form) => {
      if (form === undefined) return;
      const verificationUri = context.verificationUri ?? `http://${request.headers.host ?? '127.0.0.1'}/device`;
      writeAnswer(response, this.respondDeviceAuthorization(form, request.headers.authorization, verificationUri));
    });
  }

  /** Answers one device authorization request without HTTP. */
  respondDeviceAuthorization(form: URLSearchParams, authorization: string | undefined, verificationUri: string): OAuthAnswer {
    const params = grantParams('device_authorization', form);
    recordParams(this.counts, params);
    const client = this.clients.authenticate(form, authorization);
    if (!client.ok) return oauthError(401, 'invalid_client', client.description);
    return invalidTarget(params) ?? { status: 200, json: this.device.authorize(client.clientId, verificationUri) };
  }

  /**
   * Answers one grant without HTTP (for mocked transports such as
   * axios-mock-adapter); counted like a request to the endpoint.
   */
  respond(form: URLSearchParams, authorization?: string): OAuthAnswer {
    this.counts.tokenRequests++;
    return this.judge(form, authorization);
  }

  /** What this authority knows of an access token, or `undefined` if it never issued it. */
  inspect(token: string): { state: 'valid' | 'expired'; subject: string; expiresAt: number } | undefined {
    return this.store.inspect(token);
  }

  /** Cancels answers still waiting out `tokenLatencyMs`, so no timer outlives a test. */
  close(): void {
    for (const timer of this.latencyTimers) clearTimeout(timer);
    this.latencyTimers.clear();
  }

  private tellExpired(): void {
    for (const listener of [...this.expiryListeners]) listener();
  }

  private later(fn: () => void, delayMs: number): void {
    const timer = setTimeout(() => {
      this.latencyTimers.delete(timer);
      fn();
    }, delayMs);
    this.latencyTimers.add(timer);
  }

  private judge(form: URLSearchParams, authorization: string | undefined): OAuthAnswer {
    const params = grantParams('token', form);
    recordParams(this.counts, params);
    const answer = this.grant(form, params, authorization);
    if (answer.status !== 200) this.counts.rejected++;
    return answer;
  }

  private grant(form: URLSearchParams, params: GrantParams, authorization: string | undefined): OAuthAnswer {
    if (this.pendingFailures.count > 0) {
      this.pendingFailures.count--;
      return { status: this.pendingFailures.status, json: { error: 'temporarily_unavailable' } };
    }
    const client = this.clients.authenticate(form, authorization);
    if (!client.ok) return oauthError(401, 'invalid_client', client.description);
    return invalidTarget(params) ?? judgeGrant({ form, client }, this.parts(params));
  }

  /** The authority as its grant handlers see it (built per request: `reset()` replaces the counters). */
  private parts(params: GrantParams): GrantParts {
    const audience = audienceClaim(params);
    return {
      store: this.store,
      users: this.users,
      grants: this.counts.grants,
      rotateRefreshTokens: this.rotateRefreshTokens,
      detectReuse: this.detectReuse,
      device: this.device,
      issue: (chain, withRefreshToken) => this.store.issue(chain, { ttlSeconds: this.accessTokenTtlSeconds, sendExpiresIn: this.sendExpiresIn, withRefreshToken, ...(audience !== undefined && { audience }) }),
      onReuse: (chain) => this.onReuse(chain),
    };
  }

  /** A reuse: every token of the chain dies (the thief's and the owner's alike). */
  private onReuse(chain: Chain): void {
    this.counts.reuses++;
    if (chain.revoked) return;
    this.store.revokeChain(chain);
    this.counts.revokedGrants++;
    this.tellExpired();
  }
}

