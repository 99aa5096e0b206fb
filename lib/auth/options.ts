import type { TokenResponse } from './token-set';
import type { TokenStore } from './token-store';

/** Anything with console's four methods: console, pino, winston… */
export interface Logger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

/**
 * How the client authenticates itself to the token endpoint: its secret in
 * the form body (`body`, RFC 6749 `client_secret_post`) or as HTTP Basic
 * (`basic`, `client_secret_basic`), or a signed JWT assertion (RFC 7523):
 * `private_key_jwt` with `privateKey`, `client_secret_jwt` (HS256) with the secret.
 */
export type ClientAuthMethod = 'body' | 'basic' | 'private_key_jwt' | 'client_secret_jwt';

/** A JSON Web Key (RFC 7517); a private key has its private members (`d`…). `kty` is checked at run time (jose's `JWK` type has it optional). */
export interface JsonWebKeyInput {
  kty?: string;
  alg?: string;
  kid?: string;
  use?: string;
  key_ops?: string[];
  ext?: boolean;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  d?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  oth?: unknown;
  x5c?: string[];
  x5t?: string;
  'x5t#S256'?: string;
  x5u?: string;
}

/** A Web Crypto `CryptoKey` or a Node `KeyObject`, as far as this library needs to know. */
export interface KeyObjectLike {
  readonly type: 'private' | 'public' | 'secret';
}

/** A key to sign with: a private JWK (jose's `JWK`, the DOM's `JsonWebKey`…), a `CryptoKey`, or a Node `KeyObject`. */
export type SigningKey = JsonWebKeyInput | KeyObjectLike;

/** Options every grant accepts. */
export interface CommonAuthOptions {
  /** Refresh a token this close to expiry before use. Default min(30 s, lifetime/10); capped at lifetime/2. */
  refreshLeewayMs?: number;
  /** Token request timeout. Default 10 000 ms. */
  timeoutMs?: number;
  /** How the client authenticates at the token endpoint. Default `body`; with `issuer`, what the server supports; with `privateKey`, `private_key_jwt`. */
  clientAuth?: ClientAuthMethod;
  /** Where tokens are kept. Default: in memory. */
  store?: TokenStore;
  /** Default: silent. */
  logger?: Logger;
  /** Refresh in the background before expiry (the timer never keeps the process alive). */
  autoRefresh?: boolean;
  /** Wait after a failed token request before the next try; doubles per failure. Default 1 000 ms. */
  retryDelayMs?: number;
  /** Cap of that wait. Default 30 000 ms. */
  maxRetryDelayMs?: number;
  /** Overrides the store key (default: token URL or issuer + client + user). */
  storeKey?: string;
  /** Clock in epoch ms; inject one in tests. Default `Date.now`. */
  now?: () => number;
}

/** DPoP (RFC 9449) with a key of your own; `dpop: true` makes a fresh key pair in memory instead. */
export interface DpopKeyOptions {
  /** The private key (non-extractable is fine when `publicKey` is given). */
  privateKey: SigningKey;
  /** Needed only when the public part cannot be read off `privateKey` (a non-extractable CryptoKey). */
  publicKey?: SigningKey;
}

/** Where the authorization server is, and what the client sends it beyond the grant. */
export interface OAuthClientOptions {
  /** The token endpoint. Optional with `issuer` (then it overrides the discovered one). */
  tokenUrl?: string;
  /** The authorization server's issuer: its endpoints are read from its discovery document (OIDC, else RFC 8414). */
  issuer?: string;
  /** RFC 7009 revocation endpoint, for `revoke()` (default: from discovery). */
  revocationUrl?: string;
  /** `private_key_jwt`: the key that signs the client assertion. */
  privateKey?: SigningKey;
  /** The `kid` header of the client assertion (default the JWK's own `kid`). */
  keyId?: string;
  /**
   * The client assertion's `aud`: `'token_endpoint'` (the default; OIDC Core
   * §9, what Entra and Keycloak take), `'issuer'` (Auth0, RFC 7523bis),
   * `'endpoint'` (the URL called, as Okta wants it for each endpoint), or a URL.
   */
  assertionAudience?: 'token_endpoint' | 'issuer' | 'endpoint' | (string & {});
  /** More protected-header members of the client assertion, e.g. Entra's `{ 'x5t#S256': … }`. */
  assertionHeaders?: Record<string, string>;
  /** Bind tokens to a key pair (RFC 9449): a proof on every token request and every request through `attachAuth`. */
  dpop?: boolean | DpopKeyOptions;
  /** RFC 8707 resource indicator(s), sent on every grant (refresh included). */
  resource?: string | readonly string[];
  /** `audience`, as Auth0 and others take it, sent on every grant. */
  audience?: string;
}

/** OAuth2 resource owner password grant (`tokenUrl` or `issuer`). */
export interface PasswordGrantOptions extends CommonAuthOptions, OAuthClientOptions {
  grant: 'password';
  clientId: string;
  clientSecret?: string;
  username: string;
  password: string;
  scope?: string;
}

/** OAuth2 client credentials grant (`tokenUrl` or `issuer`; a secret, or `privateKey` for `private_key_jwt`). */
export interface ClientCredentialsGrantOptions extends CommonAuthOptions, OAuthClientOptions {
  grant: 'client_credentials';
  clientId: string;
  clientSecret?: string;
  scope?: string;
}

/** What a person needs to approve a device authorization (RFC 8628 §3.2). */
export interface UserCodePrompt {
  /** Where the user goes… */
  verificationUri: string;
  /** …or this, with the code filled in (not every server sends it). */
  verificationUriComplete?: string;
  /** The code the user types there. */
  userCode: string;
  /** Epoch ms after which the code is no longer accepted. */
  expiresAt: number;
}

/** OAuth2 device authorization grant (RFC 8628): a person approves on another device. */
export interface DeviceCodeGrantOptions extends CommonAuthOptions, OAuthClientOptions {
  grant: 'device_code';
  clientId: string;
  clientSecret?: string;
  scope?: string;
  /** The device authorization endpoint (default: from discovery). */
  deviceAuthorizationUrl?: string;
  /** Show the code to the user: called once per device authorization. */
  onUserCode: (prompt: UserCodePrompt) => void | Promise<void>;
  /** Aborts a device authorization that is waiting for the user (as `close()` does). */
  signal?: AbortSignal;
}

/** A static API key sent in a header; nothing to refresh. */
export interface ApiKeyOptions extends CommonAuthOptions {
  grant: 'api_key';
  apiKey: string;
  /** Default `X-API-Key`. */
  header?: string;
}

/**
 * Any other flow (token exchange…). With a `tokenUrl`, a returned
 * refresh token is used. The grant has `timeoutMs` to settle (`signal` aborts at
 * that deadline); a flow that waits for a person sets a longer one, or 0 for none.
 */
export interface CustomGrantOptions extends CommonAuthOptions, OAuthClientOptions {
  grant: (context: { signal: AbortSignal }) => Promise<TokenResponse>;
  clientId?: string;
  clientSecret?: string;
}

export type AuthManagerOptions = PasswordGrantOptions | ClientCredentialsGrantOptions | DeviceCodeGrantOptions | ApiKeyOptions | CustomGrantOptions;

/** What `AuthManager.fromConfig` adds to a config: common options, and for `grant_type: device_code` how to show the code. */
export interface ConfigOverrides extends CommonAuthOptions, Partial<Pick<DeviceCodeGrantOptions, 'onUserCode' | 'signal'>> {}
