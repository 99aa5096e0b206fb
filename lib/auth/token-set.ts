import { TokenRequestError } from '../errors';
import { fromBase64Url } from './base64';
import { sha256Hex } from './sha256';

/** Longest access or refresh token accepted (real JWTs stay far below; a larger one is a broken server). */
export const MAX_TOKEN_LENGTH = 64 * 1024;
/** Longest lifetime believed: an absurd `expires_in` (1e308) is capped here, never Infinity. */
export const MAX_LIFETIME_MS = 365 * 86_400_000;

/** The RFC 6749 §5.1 token response, as a token endpoint or a custom grant returns it. */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number | string;
  refresh_token?: string;
  scope?: string;
}

/** A token as the manager keeps it (and as a `TokenStore` saves it). */
export interface TokenSet {
  accessToken: string;
  tokenType: string;
  refreshToken?: string;
  /** Epoch ms at which the access token expires; absent for an opaque token without a lifetime. */
  expiresAt?: number;
  /** Epoch ms at which the response arrived: `expiresAt - receivedAt` is the lifetime. */
  receivedAt: number;
  scope?: string;
}

/** A short, one-way fingerprint of a token, safe for logs and events. */
export function fingerprint(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  return sha256Hex(token).slice(0, 10);
}

/**
 * Validates a token response and turns it into a `TokenSet`. Expiry counts from
 * `receivedAt` (so client/server clock skew does not matter); without
 * `expires_in`, the JWT's own `exp - iat` gives the lifetime.
 */
export function toTokenSet(body: unknown, receivedAt: number, previousRefreshToken?: string, warn: (message: string) => void = () => undefined, dpop = false): TokenSet {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('the token response is not a JSON object');
  }
  const response = body as Record<string, unknown>;
  const accessToken = response['access_token'];
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw invalid('the token response has no access_token');
  }
  if (accessToken.length > MAX_TOKEN_LENGTH) throw invalid(`access_token is ${accessToken.length} characters long (at most ${MAX_TOKEN_LENGTH})`);
  const tokenType = response['token_type'] ?? 'Bearer';
  // A DPoP client takes `DPoP` tokens, and `Bearer` ones from a server that does not bind (RFC 9449 §5).
  const kind = typeof tokenType === 'string' ? tokenType.toLowerCase() : '';
  if (kind !== 'bearer' && !(dpop && kind === 'dpop')) {
    throw invalid(`unsupported token_type ${JSON.stringify(String(tokenType)).slice(0, 40)} (${dpop ? 'Bearer or DPoP' : 'only Bearer is supported; DPoP needs the dpop option'})`);
  }
  const refreshToken = response['refresh_token'];
  if (refreshToken !== undefined && refreshToken !== null && (typeof refreshToken !== 'string' || refreshToken === '')) {
    throw invalid('refresh_token is not a non-empty string');
  }
  if (typeof refreshToken === 'string' && refreshToken.length > MAX_TOKEN_LENGTH) {
    throw invalid(`refresh_token is ${refreshToken.length} characters long (at most ${MAX_TOKEN_LENGTH})`);
  }
  const scope = response['scope'];
  let lifetimeMs = parseLifetime(response['expires_in']);
  if (lifetimeMs === 0) {
    // A token that is already due on arrival would be refreshed on every call: use it until a 401 instead.
    warn('the token response says expires_in: 0; treating the expiry as unknown (the token is used until the server refuses it)');
    lifetimeMs = undefined;
  }
  lifetimeMs ??= jwtLifetimeMs(accessToken);
  if (lifetimeMs !== undefined && lifetimeMs > MAX_LIFETIME_MS) lifetimeMs = MAX_LIFETIME_MS;
  const tokenSet: TokenSet = { accessToken, tokenType: kind === 'dpop' ? 'DPoP' : 'Bearer', receivedAt };
  // Rotation: a new refresh token replaces the old one; none keeps the old one.
  const keptRefreshToken = typeof refreshToken === 'string' ? refreshToken : previousRefreshToken;
  if (keptRefreshToken !== undefined) tokenSet.refreshToken = keptRefreshToken;
  if (lifetimeMs !== undefined) tokenSet.expiresAt = receivedAt + lifetimeMs;
  if (typeof scope === 'string') tokenSet.scope = scope;
  return tokenSet;
}

function parseLifetime(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  // Some servers send expires_in as a numeric string; accept it, refuse anything else.
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof seconds !== 'number' || Number.isNaN(seconds)) throw invalid('expires_in is not a number of seconds');
  // 0 or less: already due on arrival (the caller treats it as unknown); huge: capped by the caller.
  return seconds <= 0 ? 0 : Math.min(seconds * 1000, Number.MAX_SAFE_INTEGER);
}

/** `exp - iat` of a JWT access token, or undefined for an opaque one. */
export function jwtLifetimeMs(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const claims = JSON.parse(new TextDecoder().decode(fromBase64Url(parts[1]))) as { exp?: unknown; iat?: unknown };
    if (typeof claims.exp === 'number' && typeof claims.iat === 'number' && claims.exp > claims.iat) {
      return (claims.exp - claims.iat) * 1000;
    }
  } catch {
    // Not a JWT after all: an opaque token is used until the server says 401.
  }
  return undefined;
}

function invalid(message: string): TokenRequestError {
  // A malformed answer is the server's fault, not the credentials': keep the session, try later.
  return new TokenRequestError(`invalid token response: ${message}`, { code: 'INVALID_TOKEN_RESPONSE', retryable: true });
}
