import type { AxiosRequestConfig } from 'axios';
import { TokenRequestError } from '../errors';
import type { TokenResponse } from '../auth/token-set';
import { TokenAuthority, type TokenAuthorityOptions, type TokenStats } from './token-authority';

/** A reply as axios-mock-adapter takes it: `[status, body, headers]`. */
export type MockReply = [number, unknown, Record<string, string>];

/** A reply callback as axios-mock-adapter's `reply()` takes it. */
export type MockReplyCallback = (config: AxiosRequestConfig) => MockReply | Promise<MockReply>;

/** The part of an axios-mock-adapter `MockAdapter` used here (so this module does not import it). */
export interface MockAdapterLike {
  onPost(matcher?: string | RegExp): { reply(callback: MockReplyCallback): unknown };
}

/** Options of `mockTokenEndpoint()`: the token options of `TokenAuthority`, plus the URL. */
export interface MockTokenEndpointOptions extends TokenAuthorityOptions {
  /** URL (or pattern) the handler is registered on. Default `https://auth.example.test/oauth/token`. */
  tokenUrl?: string | RegExp;
}

/** Handles on a mocked token endpoint. */
export interface MockTokenEndpoint {
  tokenUrl: string | RegExp;
  authority: TokenAuthority;
  stats(): TokenStats;
  /** Is this access token one we issued, and still alive? */
  check(token: string): 'valid' | 'expired' | 'revoked' | 'unknown';
  expireAccessTokens(): void;
  revokeRefreshTokens(): void;
  failTokenRequests(count: number, status?: number): void;
  /**
   * Wraps an API route's reply: requests without a live Bearer token issued
   * here get 401 with `WWW-Authenticate`, like a real resource server.
   */
  requireToken(reply: MockReplyCallback): MockReplyCallback;
  /**
   * A custom grant function answered by this endpoint without any HTTP, for an
   * `AuthManager` whose token requests the adapter does not see:
   * `new AuthManager({ grant: endpoint.grant({ grant_type: 'password', … }) })`.
   */
  grant(params: Record<string, string>): () => Promise<TokenResponse>;
}

/**
 * Registers an OAuth2 token endpoint (password, client_credentials and
 * refresh_token grants, form-encoded, rotation and TTL as configured) on an
 * axios-mock-adapter.
 *
 * To intercept an `AuthManager`'s own token requests, the adapter must be on
 * the default `axios` and created **before** the `AuthManager`: its token
 * client is `axios.create()`d at construction and inherits `axios.defaults`
 * (the adapter) then. Otherwise use `grant()` as a custom grant.
 */
export function mockTokenEndpoint(mockAdapter: MockAdapterLike, options: MockTokenEndpointOptions = {}): MockTokenEndpoint {
  const { tokenUrl = 'https://auth.example.test/oauth/token', ...authorityOptions } = options;
  const authority = new TokenAuthority(authorityOptions);
  mockAdapter.onPost(tokenUrl).reply(async (config) => {
    const latency = authority.tokenLatencyMs;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency).unref());
    const { status, json } = authority.respond(formOf(config.data), headerOf(config.headers, 'authorization'));
    // A JSON string, not an object: the AuthManager's token client does not parse bodies itself.
    return [status, JSON.stringify(json), { 'content-type': 'application/json', 'cache-control': 'no-store' }];
  });

  return {
    tokenUrl,
    authority,
    stats: () => authority.stats(),
    check: (token) => authority.check(token),
    expireAccessTokens: () => authority.expireAccessTokens(),
    revokeRefreshTokens: () => authority.revokeRefreshTokens(),
    failTokenRequests: (count, status) => authority.failTokenRequests(count, status),
    requireToken: (reply) => (config) => {
      const authorization = headerOf(config.headers, 'authorization') ?? '';
      const token = /^bearer /i.test(authorization) ? authorization.slice(7).trim() : '';
      const state = token === '' ? 'missing' : authority.check(token);
      if (state === 'valid') return reply(config);
      const challenge = state === 'missing' ? 'Bearer' : `Bearer error="invalid_token", error_description="the access token is ${state}"`;
      return [401, JSON.stringify({ error: 'invalid_token' }), { 'content-type': 'application/json', 'www-authenticate': challenge }];
    },
    grant: (params) => async () => {
      const { status, json } = authority.respond(new URLSearchParams(params));
      if (status === 200) return json as unknown as TokenResponse;
      const oauthError = typeof json['error'] === 'string' ? json['error'] : undefined;
      throw new TokenRequestError(`token endpoint refused the request (${oauthError ?? `HTTP ${status}`})`, {
        status,
        retryable: status >= 500 || status === 429,
        ...(oauthError !== undefined && { oauthError }),
      });
    },
  };
}

/** The request body as a form, whatever shape axios left it in. */
function formOf(data: unknown): URLSearchParams {
  if (data instanceof URLSearchParams) return data;
  if (typeof data === 'string') return new URLSearchParams(data);
  if (data !== null && typeof data === 'object') {
    return new URLSearchParams(Object.entries(data as Record<string, unknown>).map(([key, value]): [string, string] => [key, String(value)]));
  }
  return new URLSearchParams();
}

/** A header from plain objects or AxiosHeaders, case-insensitively. */
function headerOf(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const getter = (headers as { get?: unknown }).get;
  if (typeof getter === 'function') {
    const value: unknown = getter.call(headers, name);
    return typeof value === 'string' ? value : undefined;
  }
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}
