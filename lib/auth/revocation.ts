import { AuthError, safeCause } from '../errors';
import type { Logger } from './options';
import type { TokenEndpoint } from './token-endpoint';
import { fingerprint, type TokenSet } from './token-set';

/** Which token a revocation was about (RFC 7009 `token_type_hint`). */
export type RevokedTokenType = 'refresh_token' | 'access_token';

/** What `revoke()` did: a failure is reported here (and logged), never thrown. */
export interface RevocationResult {
  /** Tokens the server took back (RFC 7009: an unknown token counts as revoked; one of a type it does not revoke is in neither list). */
  revoked: RevokedTokenType[];
  /** Tokens it could not revoke, and why. */
  failed: { tokenType: RevokedTokenType; error: AuthError }[];
}

/**
 * Revokes the refresh token first (many servers then drop its access
 * tokens too), then an access token that has not expired yet.
 */
export async function revokeTokens(endpoint: TokenEndpoint | undefined, tokenSet: TokenSet | undefined, now: number, logger: Logger): Promise<RevocationResult> {
  const result: RevocationResult = { revoked: [], failed: [] };
  const tokens: [RevokedTokenType, string | undefined][] = [
    ['refresh_token', tokenSet?.refreshToken],
    ['access_token', tokenSet && (tokenSet.expiresAt === undefined || tokenSet.expiresAt > now) ? tokenSet.accessToken : undefined],
  ];
  for (const [tokenType, token] of tokens) {
    if (token === undefined) continue;
    try {
      if (!endpoint) throw new AuthError('no revocation endpoint: this manager has no authorization server', { code: 'INVALID_OPTIONS' });
      if ((await endpoint.revoke(token, tokenType)) === 'revoked') result.revoked.push(tokenType);
      else logger.info('axios-ws-auth: the server does not revoke this type of token (unsupported_token_type)', { tokenType });
    } catch (caught) {
      const error = caught instanceof AuthError ? caught : new AuthError(`revocation failed: ${safeCause(caught).message}`, { code: 'UNEXPECTED', cause: caught });
      result.failed.push({ tokenType, error });
      logger.warn('axios-ws-auth: token revocation failed', { tokenType, fingerprint: fingerprint(token), code: error.code, message: error.message });
    }
  }
  return result;
}
