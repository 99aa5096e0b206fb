import type { JsonWebKeyInput } from '../auth/options';
import type { DeviceGrantOptions } from './device-flow';
import type { DpopOptions } from './dpop-proof';

/** Options of the embedded OAuth2 token endpoint. */
export interface TokenAuthorityOptions {
  /** username → password accepted by the password grant. Default `{ 'user@example.com': 'password' }`. */
  users?: Record<string, string>;
  /** client_id → client_secret (`''` for a public client). Default `{ 'benchmark-client': '' }`. */
  clients?: Record<string, string>;
  /**
   * client_id → public JWK, for private_key_jwt (RFC 7523): such a client
   * authenticates with an assertion signed by its key (it needs no entry in
   * `clients`). A client with a secret may use client_secret_jwt (HS256).
   */
  clientKeys?: Record<string, JsonWebKeyInput>;
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
  /** The device authorization grant (RFC 8628): polling interval and code lifetime. */
  device?: DeviceGrantOptions;
  /**
   * DPoP (RFC 9449). A request with a `DPoP` header always has its proof
   * verified and gets bound tokens; these make proofs, or server nonces, required.
   */
  dpop?: DpopOptions;
}
