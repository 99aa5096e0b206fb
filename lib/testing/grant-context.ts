import type { ClientAuthentication } from './client-auth';
import type { DeviceFlow } from './device-flow';
import type { DpopVerifier } from './dpop-proof';
import { audienceClaim, invalidTarget, type GrantParams } from './grant-params';
import { oauthError, type OAuthAnswer } from './oauth-answer';
import { judgeGrant } from './token-grants';
import type { OwnCounts } from './token-stats';
import type { Chain, TokenStore } from './token-store';

/** The authority as a grant sees it: its tokens, users, counters and settings. */
export interface GrantContext {
  store: TokenStore;
  users: Record<string, string>;
  counts: OwnCounts;
  device: DeviceFlow;
  dpop: DpopVerifier;
  accessTokenTtlSeconds: number;
  sendExpiresIn: boolean;
  rotateRefreshTokens: boolean;
  detectReuse: boolean;
  /** Tokens died early: open streams on them must close. */
  tellExpired(): void;
}

/**
 * Answers a token request whose client and DPoP key are known: the client's
 * refusal, `invalid_target`, or the grant's answer, issuing tokens bound to
 * the key and addressed to the requested audiences.
 */
export function answerGrant(form: URLSearchParams, params: GrantParams, client: ClientAuthentication, jkt: string | undefined, context: GrantContext): OAuthAnswer {
  if (!client.ok) return oauthError(401, 'invalid_client', client.description);
  const refused = invalidTarget(params);
  if (refused) return refused;
  const audience = audienceClaim(params);
  const { store, counts } = context;
  const issue = (chain: Chain, withRefreshToken: boolean) => {
    // RFC 9449 §5: a public client's refresh tokens are bound to its key; a confidential client's to its credentials.
    if (jkt !== undefined && client.isPublic && withRefreshToken) chain.jkt ??= jkt;
    const options = { ttlSeconds: context.accessTokenTtlSeconds, sendExpiresIn: context.sendExpiresIn, withRefreshToken };
    return store.issue(chain, { ...options, ...(audience !== undefined && { audience }), ...(jkt !== undefined && { jkt }) });
  };
  const onReuse = (chain: Chain) => {
    // A reuse: every token of the chain dies (the thief's and the owner's alike).
    counts.reuses++;
    if (chain.revoked) return;
    store.revokeChain(chain);
    counts.revokedGrants++;
    context.tellExpired();
  };
  const { users, device, dpop, rotateRefreshTokens, detectReuse } = context;
  return judgeGrant({ form, client, jkt }, { store, users, grants: counts.grants, rotateRefreshTokens, detectReuse, device, dpop, issue, onReuse });
}
