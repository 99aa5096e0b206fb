/** `gateway.auth_type`: an OAuth2 token (`jwt`) or a static API key (`internal`). */
export type AuthType = 'jwt' | 'internal';

/** `gateway.jwt.grant_type`. */
export type JwtGrantType = 'password' | 'client_credentials' | 'device_code';

interface JwtConfigBase {
  /** `auth_url`: the token endpoint (optional with `issuer`, whose discovery names it). */
  authUrl?: string;
  /** `issuer`: the authorization server, whose endpoints are discovered. */
  issuer?: string;
  /** `resource` (RFC 8707) and `audience`, sent on every grant. */
  resource?: string;
  audience?: string;
  clientId: string;
  /** Absent when the file has none or an empty one (a public client). */
  clientSecret?: string;
  scope?: string;
}

/** `jwt` with the password grant (the default). */
export interface PasswordJwtConfig extends JwtConfigBase {
  grantType: 'password';
  username: string;
  password: string;
}

/** `jwt` with `grant_type: client_credentials`. */
export interface ClientCredentialsJwtConfig extends JwtConfigBase {
  grantType: 'client_credentials';
  clientSecret: string;
}

/** `jwt` with `grant_type: device_code`: a person approves on another device (`axios-ws-auth login`). */
export interface DeviceCodeJwtConfig extends JwtConfigBase {
  grantType: 'device_code';
}

/** The normalized `gateway.jwt` section. */
export type JwtConfig = PasswordJwtConfig | ClientCredentialsJwtConfig | DeviceCodeJwtConfig;

interface GatewaySectionBase {
  /** `base_url`: the gateway's HTTP origin. */
  baseUrl?: string;
  /** `ws_url`: the gateway's WebSocket origin. */
  wsUrl?: string;
  /** `token_cache`: an absolute file path for a `FileTokenStore`, or a `redis://` / `rediss://` URL for a Redis store. */
  tokenCache?: string;
}

/** `auth_type: jwt`. */
export interface JwtGatewaySection extends GatewaySectionBase {
  authType: 'jwt';
  jwt: JwtConfig;
}

/** `auth_type: internal` (API key). */
export interface InternalGatewaySection extends GatewaySectionBase {
  authType: 'internal';
  apiKey: string;
  /** `api_key_header`; absent means the `AuthManager` default, `X-API-Key`. */
  apiKeyHeader?: string;
}

/** The normalized `gateway:` section (camelCase). */
export type GatewaySection = JwtGatewaySection | InternalGatewaySection;

/** What `parseConfig()` and `loadConfig()` return. */
export interface GatewayConfig {
  gateway: GatewaySection;
  /** The file path, or the `sourceName` given to `parseConfig()`. */
  source: string;
  /** Keys that were ignored (unknown under `gateway:`), with their lines. */
  warnings: string[];
}
