import type { ClientAuthStats } from './client-auth';
import type { DeviceStats } from './device-flow';
import type { DpopStats } from './dpop-proof';
import { RECENT_GRANTS_KEPT, type GrantParams } from './grant-params';
import { copyRevocationStats, zeroRevocationStats, type RevocationStats } from './revocation';
import type { GrantCounts } from './token-grants';

/** Counts kept by the token endpoint (and the revocation and device authorization endpoints beside it). */
export interface TokenStats {
  tokenRequests: number;
  /** Grants issued, by `grant_type` (device code grants: `device.polls.issued`). */
  grants: GrantCounts;
  rejected: number;
  /** Most token requests that were being answered at the same moment. */
  maxConcurrentTokenRequests: number;
  /** Rotated-out refresh tokens presented again (with `detectReuse`). */
  reuses: number;
  /** Grants revoked because of a reuse. */
  revokedGrants: number;
  /** Requests whose client went away before the answer (nothing granted, nothing rotated). */
  abandoned: number;
  /** The `resource`/`audience`/`scope` parameters of the last token request (`undefined` before any). */
  lastGrant: GrantParams | undefined;
  /** Those of the last 100 token and device authorization requests, oldest first. */
  recentGrants: GrantParams[];
  /** The revocation endpoint's counters. */
  revocation: RevocationStats;
  /** The device authorization grant's counters. */
  device: DeviceStats;
  /** DPoP proofs accepted, nonce challenges and refusals: the token endpoint's, and the gateway's resource routes'. */
  dpop: DpopStats;
  /** Client authentications by method, and refusals (token, revocation and device authorization endpoints). */
  clientAuth: ClientAuthStats;
}

/** The counters the authority itself keeps (its parts keep the rest). */
export type OwnCounts = Omit<TokenStats, 'device' | 'dpop' | 'clientAuth'>;

export function zeroCounts(): OwnCounts {
  return {
    tokenRequests: 0,
    grants: { password: 0, client_credentials: 0, refresh_token: 0 },
    rejected: 0,
    maxConcurrentTokenRequests: 0,
    reuses: 0,
    revokedGrants: 0,
    abandoned: 0,
    lastGrant: undefined,
    recentGrants: [],
    revocation: zeroRevocationStats(),
  };
}

/** A snapshot no later request changes. */
export function copyCounts(counts: OwnCounts): OwnCounts {
  const { grants, lastGrant, recentGrants, revocation } = counts;
  return { ...counts, grants: { ...grants }, lastGrant: lastGrant && copyParams(lastGrant), recentGrants: recentGrants.map(copyParams), revocation: copyRevocationStats(revocation) };
}

/** Keeps a request's target parameters among the recent ones. */
export function recordParams(counts: OwnCounts, params: GrantParams): void {
  const recent = counts.recentGrants;
  recent.push(params);
  if (recent.length > RECENT_GRANTS_KEPT) recent.splice(0, recent.length - RECENT_GRANTS_KEPT);
  if (params.endpoint === 'token') counts.lastGrant = params;
}

function copyParams(params: GrantParams): GrantParams {
  return { ...params, resource: [...params.resource], audience: [...params.audience] };
}
