import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readBody } from './http-server';

/** The largest grant form read (the rest is drained, and answered 413). */
const MAX_FORM_BYTES = 64 * 1024;

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
}

/** Counts kept by the token endpoint. */
export interface TokenStats {
  tokenRequests: number;
  grants: { password: number; client_credentials: number; refresh_token: number };
  rejected: number;
  /** Most token requests that were being answered at the same moment. */
  maxConcurrentTokenRequests: number;
  /** Rotated-out refresh tokens presented again (with `detectReuse`). */
  reuses: number;
  /** Grants revoked because of a reuse. */
  revokedGrants: number;
  /** Requests whose client went away before the answer (nothing granted, nothing rotated). */
  abandoned: number;
}

type TokenCheck = 'valid' | 'expired' | 'revoked' | 'unknown';

/** One grant's chain of tokens: what a reuse revokes. */
interface Chain {
  subject: string;
  revoked: boolean;
}

/**
 * The token side of the test gateway: issues JWT-shaped (unsigned) access
 * tokens and opaque refresh tokens, checks them, and takes faults on command.
 */
export class TokenAuthority {
  private readonly users: Record<string, string>;
  private readonly clients: Record<string, string>;
  private readonly accessTokens = new Map<string, { expiresAt: number; subject: string; chain: Chain }>();
  private readonly refreshTokens = new Map<string, Chain>();
  /** Refresh tokens rotated out, and the chain they belonged to. */
  private readonly rotatedOut = new Map<string, Chain>();
  private readonly detectReuse: boolean;
  private readonly expiryListeners = new Set<() => void>();
  private pendingFailures: { count: number; status: number } = { count: 0, status: 503 };
  private inFlight = 0;
  private readonly latencyTimers = new Set<NodeJS.Timeout>();
  private readonly counts: TokenStats = {
    tokenRequests: 0,
    grants: { password: 0, client_credentials: 0, refresh_token: 0 },
    rejected: 0,
    maxConcurrentTokenRequests: 0,
    reuses: 0,
    revokedGrants: 0,
    abandoned: 0,
  };
  accessTokenTtlSeconds: number;
  readonly rotateRefreshTokens: boolean;
  tokenLatencyMs: number;
  private readonly sendExpiresIn: boolean;

  constructor(options: TokenAuthorityOptions = {}) {
    this.users = options.users ?? { 'user@example.com': 'password' };
    this.clients = options.clients ?? { 'benchmark-client': '' };
    this.accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 3600;
    this.rotateRefreshTokens = options.rotateRefreshTokens ?? true;
    this.tokenLatencyMs = options.tokenLatencyMs ?? 0;
    this.sendExpiresIn = options.sendExpiresIn ?? true;
    this.detectReuse = options.detectReuse ?? false;
  }

  stats(): TokenStats {
    return { ...this.counts, grants: { ...this.counts.grants } };
  }

  /** Is this access token one we issued, and still alive? */
  check(token: string): TokenCheck {
    const entry = this.accessTokens.get(token);
    if (!entry) return 'unknown';
    if (entry.chain.revoked) return 'revoked';
    return Date.now() < entry.expiresAt ? 'valid' : 'expired';
  }

  /** Every access token issued so far expires now. */
  expireAccessTokens(): void {
    for (const entry of this.accessTokens.values()) entry.expiresAt = 0;
    this.tellExpired();
  }

  /** Calls `listener` whenever tokens die before their time (expired or revoked by a test, or by a reuse); returns the unsubscribe. */
  onTokensExpired(listener: () => void): () => void {
    this.expiryListeners.add(listener);
    return () => this.expiryListeners.delete(listener);
  }

  /** This one access token expires now (the others keep their lifetime). */
  expireAccessToken(token: string): void {
    const entry = this.accessTokens.get(token);
    if (entry) entry.expiresAt = 0;
    this.tellExpired();
  }

  /**
   * Starts over: every token issued so far is unknown, the counters are 0,
   * and the lifetime and latency are the given ones (or kept).
   */
  reset(options: Pick<TokenAuthorityOptions, 'accessTokenTtlSeconds' | 'tokenLatencyMs'> = {}): void {
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.rotatedOut.clear();
    this.pendingFailures = { count: 0, status: 503 };
    Object.assign(this.counts, { tokenRequests: 0, grants: { password: 0, client_credentials: 0, refresh_token: 0 }, rejected: 0, maxConcurrentTokenRequests: 0, reuses: 0, revokedGrants: 0, abandoned: 0 });
    if (options.accessTokenTtlSeconds !== undefined) this.accessTokenTtlSeconds = options.accessTokenTtlSeconds;
    if (options.tokenLatencyMs !== undefined) this.tokenLatencyMs = options.tokenLatencyMs;
    this.tellExpired();
  }

  /** Every refresh token issued so far is rejected from now on (`invalid_grant`). */
  revokeRefreshTokens(): void {
    this.refreshTokens.clear();
  }

  /** The next `count` token requests fail with `status` (default 503). */
  failTokenRequests(count: number, status = 503): void {
    this.pendingFailures = { count, status };
  }

  /** Handles `POST` on the token URL. */
  handle(request: IncomingMessage, response: ServerResponse): void {
    readBody(request, MAX_FORM_BYTES, (body) => {
      if (body === undefined) return void (this.counts.tokenRequests++, this.counts.rejected++, response.writeHead(413, { 'Content-Type': 'application/json' }).end('{"error":"invalid_request"}'));
      this.counts.tokenRequests++;
      this.inFlight++;
      this.counts.maxConcurrentTokenRequests = Math.max(this.counts.maxConcurrentTokenRequests, this.inFlight);
      const answer = () => {
        this.inFlight--;
        // The client is gone (killed mid-request): nothing was delivered, so nothing is granted or rotated.
        if (response.destroyed || request.socket.destroyed) return void this.counts.abandoned++;
        const { status, json } = this.judge(new URLSearchParams(body), request.headers.authorization);
        response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
        response.end(JSON.stringify(json));
      };
      if (this.tokenLatencyMs > 0) this.later(answer, this.tokenLatencyMs);
      else answer();
    });
  }

  /**
   * Answers one grant without HTTP (for mocked transports such as
   * axios-mock-adapter); counted like a request to the endpoint.
   */
  respond(form: URLSearchParams, authorization?: string): { status: number; json: Record<string, unknown> } {
    this.counts.tokenRequests++;
    return this.judge(form, authorization);
  }

  /** What this authority knows of an access token, or `undefined` if it never issued it. */
  inspect(token: string): { state: 'valid' | 'expired'; subject: string; expiresAt: number } | undefined {
    const entry = this.accessTokens.get(token);
    if (!entry) return undefined;
    return { state: !entry.chain.revoked && Date.now() < entry.expiresAt ? 'valid' : 'expired', subject: entry.subject, expiresAt: entry.expiresAt };
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

  private judge(form: URLSearchParams, authorization: string | undefined): { status: number; json: Record<string, unknown> } {
    const answer = this.grant(form, authorization);
    if (answer.status !== 200) this.counts.rejected++;
    return answer;
  }

  private grant(form: URLSearchParams, authorization: string | undefined): { status: number; json: Record<string, unknown> } {
    if (this.pendingFailures.count > 0) {
      this.pendingFailures.count--;
      return { status: this.pendingFailures.status, json: { error: 'temporarily_unavailable' } };
    }
    const client = clientCredentials(form, authorization);
    if (!(client.id in this.clients) || (this.clients[client.id] !== '' && this.clients[client.id] !== client.secret)) {
      return oauthError(401, 'invalid_client', 'unknown client or wrong secret');
    }
    const grantType = form.get('grant_type');
    if (grantType === 'password') {
      const username = form.get('username') ?? '';
      if (this.users[username] === undefined || this.users[username] !== form.get('password')) {
        return oauthError(400, 'invalid_grant', 'wrong username or password');
      }
      this.counts.grants.password++;
      return { status: 200, json: this.issue({ subject: username, revoked: false }, true) };
    }
    if (grantType === 'client_credentials') {
      if (this.clients[client.id] === '') return oauthError(401, 'invalid_client', 'a public client cannot use client_credentials');
      this.counts.grants.client_credentials++;
      return { status: 200, json: this.issue({ subject: client.id, revoked: false }, false) };
    }
    if (grantType === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      const reused = this.rotatedOut.get(presented);
      if (reused && this.detectReuse) {
        this.counts.reuses++;
        if (!reused.revoked) this.revoke(reused);
        return oauthError(400, 'invalid_grant', 'refresh token reused: the grant is revoked');
      }
      const chain = this.refreshTokens.get(presented);
      if (chain === undefined || chain.revoked) return oauthError(400, 'invalid_grant', 'refresh token unknown, used or revoked');
      this.counts.grants.refresh_token++;
      if (this.rotateRefreshTokens) {
        this.refreshTokens.delete(presented);
        this.rotatedOut.set(presented, chain);
      }
      return { status: 200, json: this.issue(chain, this.rotateRefreshTokens) };
    }
    return oauthError(400, 'unsupported_grant_type', `grant_type ${grantType ?? '(none)'} is not supported`);
  }

  /** A reuse: every token of the chain dies (the thief's and the owner's alike). */
  private revoke(chain: Chain): void {
    chain.revoked = true;
    this.counts.revokedGrants++;
    for (const [token, owner] of this.refreshTokens) if (owner === chain) this.refreshTokens.delete(token);
    this.tellExpired();
  }

  private issue(chain: Chain, withRefreshToken: boolean): Record<string, unknown> {
    const { subject } = chain;
    const issuedAt = Math.floor(Date.now() / 1000);
    const ttl = this.accessTokenTtlSeconds;
    const claims = { sub: subject, iat: issuedAt, exp: issuedAt + Math.max(1, Math.ceil(ttl)), jti: randomBytes(8).toString('hex') };
    const accessToken = [encode({ alg: 'none', typ: 'JWT' }), encode(claims), 'unsigned'].join('.');
    this.accessTokens.set(accessToken, { expiresAt: Date.now() + ttl * 1000, subject, chain });
    const json: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer' };
    if (this.sendExpiresIn) json['expires_in'] = ttl;
    if (withRefreshToken) {
      const refreshToken = `rt_${randomBytes(16).toString('hex')}`;
      this.refreshTokens.set(refreshToken, chain);
      json['refresh_token'] = refreshToken;
    }
    return json;
  }
}

function clientCredentials(form: URLSearchParams, authorization: string | undefined): { id: string; secret: string } {
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  }
  return { id: form.get('client_id') ?? '', secret: form.get('client_secret') ?? '' };
}

function oauthError(status: number, error: string, description: string): { status: number; json: Record<string, unknown> } {
  return { status, json: { error, error_description: description } };
}

function encode(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
