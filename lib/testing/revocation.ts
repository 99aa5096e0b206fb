import type { ClientAuthentication } from './client-auth';
import { oauthError, type OAuthAnswer } from './oauth-answer';
import type { TokenStore } from './token-store';

/** Counts kept by the revocation endpoint (RFC 7009). */
export interface RevocationStats {
  requests: number;
  /** `token_type_hint` → requests (`none` when there was none). */
  byHint: Record<string, number>;
  /** Tokens found and revoked, by what they were. */
  found: { access_token: number; refresh_token: number };
  /** Tokens unknown, already dead, or another client's: answered 200 all the same (RFC 7009 §2.2). */
  notFound: number;
  /** Requests refused: `invalid_client` (401) or no `token` (400). */
  rejected: number;
}

/** Fresh revocation counters. */
export function zeroRevocationStats(): RevocationStats {
  return { requests: 0, byHint: {}, found: { access_token: 0, refresh_token: 0 }, notFound: 0, rejected: 0 };
}

/** A copy of revocation counters. */
export function copyRevocationStats(stats: RevocationStats): RevocationStats {
  return { ...stats, byHint: { ...stats.byHint }, found: { ...stats.found } };
}

/**
 * Answers one revocation request (RFC 7009 §2): the hint orders the search
 * but never limits it; an unknown token is a success. `revoked` is true when
 * tokens died, so open streams on them can be closed.
 */
export function answerRevocation(form: URLSearchParams, client: ClientAuthentication, store: TokenStore, stats: RevocationStats): { answer: OAuthAnswer; revoked: boolean } {
  stats.requests++;
  const hint = form.get('token_type_hint') ?? 'none';
  stats.byHint[hint] = (stats.byHint[hint] ?? 0) + 1;
  if (!client.ok) {
    stats.rejected++;
    return { answer: oauthError(401, 'invalid_client', client.description), revoked: false };
  }
  const token = form.get('token');
  if (token === null || token === '') {
    stats.rejected++;
    return { answer: oauthError(400, 'invalid_request', 'the token parameter is missing'), revoked: false };
  }
  const kinds = hint === 'access_token' ? (['access_token', 'refresh_token'] as const) : (['refresh_token', 'access_token'] as const);
  for (const kind of kinds) {
    const revoked = kind === 'access_token' ? store.revokeAccessToken(token, client.clientId) : store.revokeRefreshToken(token, client.clientId);
    if (!revoked) continue;
    stats.found[kind]++;
    return { answer: { status: 200, json: {} }, revoked: true };
  }
  stats.notFound++;
  return { answer: { status: 200, json: {} }, revoked: false };
}
