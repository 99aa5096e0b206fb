import { randomBytes } from 'node:crypto';
import { jsonSegment } from './oauth-answer';

/** One grant's chain of tokens: what a reuse or a revocation revokes. */
export interface Chain {
  subject: string;
  /** The client the grant was made to: another client's revocation finds nothing. */
  clientId: string;
  revoked: boolean;
  /** The DPoP key its refresh tokens are bound to (public clients only, RFC 9449 §5). */
  jkt?: string;
}

interface AccessEntry {
  expiresAt: number;
  subject: string;
  chain: Chain;
  /** Revoked alone (RFC 7009), its chain still alive. */
  revoked: boolean;
  /** `cnf.jkt`: the DPoP key it is bound to. */
  jkt: string | undefined;
}

/** How one access token (and maybe a refresh token) is issued. */
export interface IssueOptions {
  ttlSeconds: number;
  sendExpiresIn: boolean;
  withRefreshToken: boolean;
  /** The access token's `aud` claim (RFC 8707 resources and audiences), when asked for. */
  audience?: string | string[];
  /** Bind the access token to this DPoP key (`token_type: DPoP`, `cnf.jkt`). */
  jkt?: string;
}

/** What `check()` says of an access token. */
export type TokenCheck = 'valid' | 'expired' | 'revoked' | 'unknown';

/** Every token the authority issued: access tokens with their lifetime, refresh tokens with their chain. */
export class TokenStore {
  private readonly accessTokens = new Map<string, AccessEntry>();
  private readonly refreshTokens = new Map<string, Chain>();
  /** Refresh tokens rotated out, and the chain they belonged to. */
  private readonly rotatedOut = new Map<string, Chain>();

  /** A JWT-shaped (unsigned) access token, and a refresh token if asked: the token endpoint's 200 body. */
  issue(chain: Chain, options: IssueOptions): Record<string, unknown> {
    const { subject } = chain;
    const issuedAt = Math.floor(Date.now() / 1000);
    const ttl = options.ttlSeconds;
    const claims: Record<string, unknown> = { sub: subject, iat: issuedAt, exp: issuedAt + Math.max(1, Math.ceil(ttl)), jti: randomBytes(8).toString('hex') };
    if (options.audience !== undefined) claims['aud'] = options.audience;
    if (options.jkt !== undefined) claims['cnf'] = { jkt: options.jkt };
    const accessToken = [jsonSegment({ alg: 'none', typ: 'JWT' }), jsonSegment(claims), 'unsigned'].join('.');
    this.accessTokens.set(accessToken, { expiresAt: Date.now() + ttl * 1000, subject, chain, revoked: false, jkt: options.jkt });
    const json: Record<string, unknown> = { access_token: accessToken, token_type: options.jkt === undefined ? 'Bearer' : 'DPoP' };
    if (options.sendExpiresIn) json['expires_in'] = ttl;
    if (options.withRefreshToken) {
      const refreshToken = `rt_${randomBytes(16).toString('hex')}`;
      this.refreshTokens.set(refreshToken, chain);
      json['refresh_token'] = refreshToken;
    }
    return json;
  }

  check(token: string): TokenCheck {
    const entry = this.accessTokens.get(token);
    if (!entry) return 'unknown';
    if (entry.revoked || entry.chain.revoked) return 'revoked';
    return Date.now() < entry.expiresAt ? 'valid' : 'expired';
  }

  /** A revoked token reads as expired: to a resource server it is simply no longer good. */
  inspect(token: string): { state: 'valid' | 'expired'; subject: string; expiresAt: number } | undefined {
    const entry = this.accessTokens.get(token);
    if (!entry) return undefined;
    return { state: this.check(token) === 'valid' ? 'valid' : 'expired', subject: entry.subject, expiresAt: entry.expiresAt };
  }

  /** The DPoP key thumbprint an access token is bound to (`undefined`: a Bearer token, or unknown). */
  binding(token: string): string | undefined {
    return this.accessTokens.get(token)?.jkt;
  }

  /** The chain of a live refresh token. */
  refreshChain(token: string): Chain | undefined {
    return this.refreshTokens.get(token);
  }

  /** The chain of a refresh token that was rotated out (a reuse, when presented again). */
  rotatedChain(token: string): Chain | undefined {
    return this.rotatedOut.get(token);
  }

  /** A used refresh token leaves the live set; it is remembered as rotated out only for reuse detection (else a long run would keep them all). */
  rotate(token: string, chain: Chain, remember: boolean): void {
    this.refreshTokens.delete(token);
    if (remember) this.rotatedOut.set(token, chain);
  }

  expireAll(): void {
    for (const entry of this.accessTokens.values()) entry.expiresAt = 0;
  }

  expireOne(token: string): void {
    const entry = this.accessTokens.get(token);
    if (entry) entry.expiresAt = 0;
  }

  /** Every token of the chain dies: its access tokens read as revoked, its refresh tokens are gone. */
  revokeChain(chain: Chain): void {
    chain.revoked = true;
    for (const [token, owner] of this.refreshTokens) if (owner === chain) this.refreshTokens.delete(token);
  }

  /** RFC 7009: revokes one live access token of `clientId` (another client's, or a revoked one, is not found). */
  revokeAccessToken(token: string, clientId: string): boolean {
    const entry = this.accessTokens.get(token);
    if (!entry || entry.revoked || entry.chain.revoked || entry.chain.clientId !== clientId) return false;
    entry.revoked = true;
    return true;
  }

  /** RFC 7009 §2.1: revoking a live refresh token of `clientId` revokes its whole chain, access tokens included. */
  revokeRefreshToken(token: string, clientId: string): boolean {
    const chain = this.refreshTokens.get(token);
    if (!chain || chain.clientId !== clientId) return false;
    this.revokeChain(chain);
    return true;
  }

  revokeRefreshTokens(): void {
    this.refreshTokens.clear();
  }

  clear(): void {
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.rotatedOut.clear();
  }
}
