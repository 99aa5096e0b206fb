// The oidc-provider (v8) configuration of the test harness: its clients, its one resource
// server and the features the library is tested against. Plain ESM: oidc-provider is
// ESM-only and runs in a child process (provider.mjs), never inside jest.
import { randomBytes } from 'node:crypto';

import { errors } from 'oidc-provider';

/** The API's resource indicator (RFC 8707): constant, so tests may spell it; the `aud` of its tokens. */
export const RESOURCE = 'urn:test:api';
/** The one scope of the API resource server. */
export const API_SCOPE = 'api:read';
/** What the harness tells clients in the device authorization response (oidc-provider sends no interval). */
export const DEVICE_INTERVAL_S = 1;

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Fixed ids and secrets: the library's tests spell them. client_secret_jwt's secret is ≥ 32 bytes (HS256). */
export const SECRETS = {
  'basic-client': 'basic-client-secret-0123456789abcdef',
  'post-client': 'post-client-secret-0123456789abcdef',
  'jwt-secret-client': 'jwt-secret-client-hs256-secret-0123456789abcdef',
  'dpop-client': 'dpop-client-secret-0123456789abcdef',
};

/**
 * The clients. None uses the authorization code flow, so none registers a redirect_uri
 * (response_types: [] says so to oidc-provider).
 */
export function clients(publicJwk) {
  const common = { response_types: [], redirect_uris: [] };
  return [
    {
      ...common,
      client_id: 'basic-client',
      client_secret: SECRETS['basic-client'],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials', 'refresh_token', DEVICE_GRANT],
    },
    {
      ...common,
      client_id: 'post-client',
      client_secret: SECRETS['post-client'],
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['client_credentials'],
    },
    {
      ...common,
      client_id: 'jwt-key-client',
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [publicJwk] },
      grant_types: ['client_credentials', 'refresh_token', DEVICE_GRANT],
    },
    {
      ...common,
      client_id: 'jwt-secret-client',
      client_secret: SECRETS['jwt-secret-client'],
      token_endpoint_auth_method: 'client_secret_jwt',
      token_endpoint_auth_signing_alg: 'HS256',
      grant_types: ['client_credentials'],
    },
    {
      ...common,
      client_id: 'device-client',
      token_endpoint_auth_method: 'none',
      grant_types: [DEVICE_GRANT, 'refresh_token'],
    },
    {
      ...common,
      client_id: 'dpop-client',
      client_secret: SECRETS['dpop-client'],
      token_endpoint_auth_method: 'client_secret_basic',
      // RFC 9449 §5.2 client metadata: every token request of this client must carry a proof.
      dpop_bound_access_tokens: true,
      grant_types: ['client_credentials', DEVICE_GRANT, 'refresh_token'],
    },
  ];
}

/**
 * @param {{ jwks: { keys: object[] }, publicJwk: object }} keys the provider's private signing
 *   keys (generated per run, never the dev keystore) and the private_key_jwt client's public key.
 */
export function configuration({ jwks, publicJwk }) {
  return {
    clients: clients(publicJwk),
    jwks,
    // ES256 only: no RSA key to generate at every start (id tokens of the device flow use it too).
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // Any login name is an account; its only claim is sub.
    async findAccount(_ctx, sub) {
      return { accountId: sub, async claims() { return { sub }; } };
    },
    // Browsers (the library's browser tests) may call every endpoint.
    clientBasedCORS: () => true,
    pkce: { methods: ['S256'], required: () => true },
    // A refresh token whenever the client may use one, not only with offline_access.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Every use of a refresh token returns a new one; the old one is consumed (reuse revokes the grant).
    rotateRefreshToken: true,
    enabledJWA: { dPoPSigningAlgValues: ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'] },
    ttl: {
      AccessToken: 600,
      ClientCredentials: 600,
      DeviceCode: 300,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      RefreshToken: 3600,
      Session: 3600,
    },
    features: {
      clientCredentials: { enabled: true },
      // Nonces REQUIRED at the token endpoint: the first proof without one gets 400 use_dpop_nonce.
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      deviceFlow: { enabled: true },
      // The login and consent pages the device flow's end user goes through (device-pages.ts drives them).
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // defaultResource stays the default (none): a token for the API is asked for with
        // resource=urn:test:api (RFC 8707); without it a client_credentials token is opaque.
        // A refresh or device code exchange without `resource` still gets the granted API token,
        // even when the scope holds openid.
        useGrantedResource: async () => true,
        async getResourceServerInfo(_ctx, resourceIndicator) {
          if (resourceIndicator !== RESOURCE) throw new errors.InvalidTarget();
          return {
            scope: API_SCOPE,
            audience: RESOURCE,
            accessTokenTTL: 600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
  };
}
