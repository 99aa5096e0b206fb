import type { TokenSet } from './token-set';

/**
 * When a token should be replaced, as pure functions of the token set and
 * the clock. The effective leeway is the given `refreshLeewayMs` capped at
 * half the lifetime, else min(30 s, lifetime / 10): a short-lived token is
 * never refreshed on every call.
 */
export function leewayFor(tokenSet: Pick<TokenSet, 'expiresAt' | 'receivedAt'>, refreshLeewayMs: number | undefined): number {
  if (tokenSet.expiresAt === undefined) return 0;
  const lifetime = Math.max(0, tokenSet.expiresAt - tokenSet.receivedAt);
  return refreshLeewayMs === undefined ? Math.min(30_000, lifetime / 10) : Math.min(refreshLeewayMs, lifetime / 2);
}

/** Epoch ms from which the token should be replaced before use; undefined for a token without a lifetime. */
export function dueAt(tokenSet: TokenSet, refreshLeewayMs: number | undefined): number | undefined {
  return tokenSet.expiresAt === undefined ? undefined : tokenSet.expiresAt - leewayFor(tokenSet, refreshLeewayMs);
}

/** Within the leeway (or past expiry): refresh before handing it out. */
export function isDue(tokenSet: TokenSet, now: number, refreshLeewayMs: number | undefined): boolean {
  const due = dueAt(tokenSet, refreshLeewayMs);
  return due !== undefined && now >= due;
}

/** Not yet expired: a failed early refresh may still hand it out. */
export function isUnexpired(tokenSet: TokenSet, now: number): boolean {
  return tokenSet.expiresAt === undefined || now < tokenSet.expiresAt;
}

/** A lifetime this short (or shorter than the request that got it) means the token is due on arrival. */
const MIN_LIFETIME_MS = 10;

/** Due the moment it arrived (`expires_in` tiny, or shorter than the round trip): refreshes must be spaced, not run per use. */
export function arrivedDue(tokenSet: TokenSet, now: number, refreshLeewayMs: number | undefined, roundTripMs: number): boolean {
  const lifetime = tokenSet.expiresAt === undefined ? Infinity : tokenSet.expiresAt - tokenSet.receivedAt;
  return isDue(tokenSet, now, refreshLeewayMs) || lifetime <= Math.max(roundTripMs, MIN_LIFETIME_MS);
}

/** When the background refresh should fire: at the due time, or after a wait (backoff), whichever is later. */
export function nextRefreshAt(tokenSet: TokenSet, refreshLeewayMs: number | undefined, waitUntil: number | undefined): number | undefined {
  const due = dueAt(tokenSet, refreshLeewayMs);
  if (due === undefined && !waitUntil) return undefined;
  return Math.max(due ?? 0, waitUntil ?? 0);
}
