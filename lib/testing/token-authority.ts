import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientAuthenticator, type ClientAuthentication } from './client-auth';
import { DeviceFlow } from './device-flow';
import { DpopVerifier } from './dpop-proof';
import { grantParams, invalidTarget, type GrantParams } from './grant-params';
import { oauthError, readForm, writeAnswer, writeEmpty, type OAuthAnswer } from './oauth-answer';
import { answerRevocation } from './revocation';
import { answerGrant, type GrantContext } from './grant-context';
import type { TokenAuthorityOptions } from './token-options';
import { assertionAudiences, checkTokenProof, hostOrigin, type EndpointContext } from './token-request';
import { copyCounts, recordParams, zeroCounts, type OwnCounts, type TokenStats } from './token-stats';
import { TokenStore, type TokenCheck } from './token-store';

export type { TokenStats } from './token-stats';
export type { TokenAuthorityOptions } from './token-options';
export type { EndpointContext } from './token-request';

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
  /** DPoP proofs, at the token endpoint and (for the gateway) the resource routes. */
  readonly dpop: DpopVerifier;
  accessTokenTtlSeconds: number;
  readonly rotateRefreshTokens: boolean;
  tokenLatencyMs: number;
  private readonly sendExpiresIn: boolean;
  /** Who approves a device code when the test names no one: the first user. */
  private readonly defaultSubject: string;

  constructor(options: TokenAuthorityOptions = {}) {
    this.users = options.users ?? { 'user@example.com': 'password' };
    this.clients = new ClientAuthenticator(options.clients ?? { 'benchmark-client': '' }, options.clientKeys);
    this.accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 3600;
    this.rotateRefreshTokens = options.rotateRefreshTokens ?? true;
    this.tokenLatencyMs = options.tokenLatencyMs ?? 0;
    this.sendExpiresIn = options.sendExpiresIn ?? true;
    this.detectReuse = options.detectReuse ?? false;
    this.device = new DeviceFlow(options.device);
    this.dpop = new DpopVerifier(options.dpop);
    this.defaultSubject = Object.keys(this.users)[0] ?? 'user@example.com';
  }

  stats(): TokenStats {
    return { ...copyCounts(this.counts), device: this.device.stats(), dpop: this.dpop.stats(), clientAuth: this.clients.stats() };
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
    this.dpop.reset();
    this.clients.reset();
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
  handle(request: IncomingMessage, response: ServerResponse, context: EndpointContext = {}): void {
    readForm(request, response, (form) => {
      this.counts.tokenRequests++;
      if (form === undefined) return void this.counts.rejected++;
      this.inFlight++;
      this.counts.maxConcurrentTokenRequests = Math.max(this.counts.maxConcurrentTokenRequests, this.inFlight);
      const answer = async () => {
        const answered = await this.answerRequest(form, request, response, context).catch((error: unknown) => oauthError(500, 'server_error', String(error)));
        this.inFlight--;
        // The client is gone (killed mid-request): nothing was delivered, so nothing is granted or rotated.
        if (answered === undefined) return void this.counts.abandoned++;
        writeAnswer(response, answered);
      };
      if (this.tokenLatencyMs > 0) this.later(() => void answer(), this.tokenLatencyMs);
      else void answer();
    });
  }

  /** Handles `POST` on the revocation URL (RFC 7009): client authentication as on the token endpoint. */
  handleRevocation(request: IncomingMessage, response: ServerResponse, context: EndpointContext = {}): void {
    this.serveForm(request, response, context, (form, client) => {
      const answer = this.revocationAnswer(form, client);
      if (answer.status !== 200) return writeAnswer(response, answer);
      writeEmpty(response);
    });
  }

  /** Handles `POST` on the device authorization URL (RFC 8628 §3.1). */
  handleDeviceAuthorization(request: IncomingMessage, response: ServerResponse, context: EndpointContext = {}): void {
    const verificationUri = context.verificationUri ?? `${hostOrigin(request)}/device`;
    this.serveForm(request, response, context, (form, client) => writeAnswer(response, this.deviceAuthorizationAnswer(form, client, verificationUri)));
  }

  /**
   * Answers one grant without HTTP (for mocked transports such as
   * axios-mock-adapter); counted like a request to the endpoint.
   */
  respond(form: URLSearchParams, authorization?: string): OAuthAnswer {
    this.counts.tokenRequests++;
    const params = this.begin(form);
    return this.conclude(this.takeFailure() ?? answerGrant(form, params, this.clients.authenticate(form, authorization), undefined, this.grantContext()));
  }

  /** Rotates the DPoP nonce: proofs with the old one get `use_dpop_nonce`. Returns the new one. */
  rotateDpopNonce(): string {
    return this.dpop.rotateNonce();
  }

  /** The DPoP key thumbprint an access token is bound to (`cnf.jkt`), or `undefined` for a Bearer token. */
  binding(token: string): string | undefined {
    return this.store.binding(token);
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

  /** A token request over HTTP, in order: injected failure, DPoP proof, client; `undefined` if the client left meanwhile. */
  private async answerRequest(form: URLSearchParams, request: IncomingMessage, response: ServerResponse, context: EndpointContext): Promise<OAuthAnswer | undefined> {
    const gone = () => response.destroyed || request.socket.destroyed;
    if (gone()) return undefined;
    const params = this.begin(form);
    const failure = this.takeFailure();
    if (failure) return this.conclude(failure);
    const proof = await checkTokenProof(request, this.dpop, context);
    if (!proof.ok) return this.conclude(proof.answer);
    const client = await this.clients.authenticateRequest(form, request.headers.authorization, assertionAudiences(request, context));
    if (gone()) return undefined;
    return this.conclude(answerGrant(form, params, client, proof.jkt, this.grantContext()));
  }

  /** Reads a form and authenticates its client (assertions included), then lets `serve` answer. */
  private serveForm(request: IncomingMessage, response: ServerResponse, context: EndpointContext, serve: (form: URLSearchParams, client: ClientAuthentication) => void): void {
    readForm(request, response, (form) => {
      if (form === undefined) return;
      this.clients
        .authenticateRequest(form, request.headers.authorization, assertionAudiences(request, context))
        .then((client) => serve(form, client))
        .catch((error: unknown) => writeAnswer(response, oauthError(500, 'server_error', String(error))));
    });
  }

  private revocationAnswer(form: URLSearchParams, client: ClientAuthentication): OAuthAnswer {
    const { answer, revoked } = answerRevocation(form, client, this.store, this.counts.revocation);
    if (revoked) this.tellExpired();
    return answer;
  }

  private deviceAuthorizationAnswer(form: URLSearchParams, client: ClientAuthentication, verificationUri: string): OAuthAnswer {
    const params = grantParams('device_authorization', form);
    recordParams(this.counts, params);
    if (!client.ok) return oauthError(401, 'invalid_client', client.description);
    return invalidTarget(params) ?? { status: 200, json: this.device.authorize(client.clientId, verificationUri) };
  }

  private begin(form: URLSearchParams): GrantParams {
    const params = grantParams('token', form);
    recordParams(this.counts, params);
    return params;
  }

  private takeFailure(): OAuthAnswer | undefined {
    if (this.pendingFailures.count <= 0) return undefined;
    this.pendingFailures.count--;
    return { status: this.pendingFailures.status, json: { error: 'temporarily_unavailable' } };
  }

  /** Counts a refusal; with DPoP nonces, every token answer carries the current one (RFC 9449 §8). */
  private conclude(answer: OAuthAnswer): OAuthAnswer {
    if (answer.status !== 200) this.counts.rejected++;
    if (!this.dpop.nonceRequired) return answer;
    return { ...answer, headers: { ...answer.headers, 'DPoP-Nonce': this.dpop.nonce } };
  }

  /** The authority as a grant sees it (built per request: `reset()` replaces the counters). */
  private grantContext(): GrantContext {
    const { store, users, counts, device, dpop, accessTokenTtlSeconds, sendExpiresIn, rotateRefreshTokens, detectReuse } = this;
    return { store, users, counts, device, dpop, accessTokenTtlSeconds, sendExpiresIn, rotateRefreshTokens, detectReuse, tellExpired: () => this.tellExpired() };
  }
}
