import { installConfigReader, type AuthConfigInput } from '../auth/config-reader';
import type { AuthManagerOptions, ConfigOverrides, UserCodePrompt } from '../auth/options';
import type { TokenStore } from '../auth/token-store';
import { FileTokenStore } from '../stores/file-token-store';
import { RedisUrlStore } from '../stores/redis-url-store';
import { gatewaySection } from './gateway-section';
import type { GatewayConfig, GatewaySection } from './types';

/**
 * `AuthManager` options from what `loadConfig()`/`parseConfig()` return, or
 * from its `gateway` section. `token_cache` becomes a `FileTokenStore` (or,
 * for a `redis://` URL, a Redis store) unless
 * `overrides.store` is given; other `overrides` (logger, timeouts…) are added.
 */
export function authOptionsFromConfig(config: GatewayConfig | GatewaySection, overrides: ConfigOverrides = {}): AuthManagerOptions {
  const gateway = gatewaySection(config);
  if (gateway.authType === 'internal') {
    return { ...overrides, grant: 'api_key', apiKey: gateway.apiKey, ...(gateway.apiKeyHeader !== undefined && { header: gateway.apiKeyHeader }) };
  }
  const store = overrides.store ?? tokenCacheStore(gateway.tokenCache);
  const { jwt } = gateway;
  const { onUserCode, signal, ...rest } = overrides;
  const optional = { scope: jwt.scope, tokenUrl: jwt.authUrl, issuer: jwt.issuer, resource: jwt.resource, audience: jwt.audience };
  const defined = Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined));
  const common = { ...rest, ...(store && { store }), clientId: jwt.clientId, ...defined };
  if (jwt.grantType === 'device_code') {
    // Tokens from `axios-ws-auth login` usually sit in the token cache; should a person be needed again, tell them on stderr.
    const shown = onUserCode ?? tellOnStderr;
    return { ...common, grant: 'device_code', onUserCode: shown, ...(signal && { signal }), ...(jwt.clientSecret !== undefined && { clientSecret: jwt.clientSecret }) };
  }
  if (jwt.grantType === 'client_credentials') return { ...common, grant: 'client_credentials', clientSecret: jwt.clientSecret };
  return { ...common, grant: 'password', username: jwt.username, password: jwt.password, ...(jwt.clientSecret !== undefined && { clientSecret: jwt.clientSecret }) };
}

function tellOnStderr({ verificationUri, verificationUriComplete, userCode }: UserCodePrompt): void {
  console.error(`axios-ws-auth: to sign in, open ${verificationUriComplete ?? verificationUri} and enter the code ${userCode}`);
}

/** `token_cache` as a store: a `redis://` URL is a RedisTokenStore (ioredis loaded on first use), anything else a file. */
function tokenCacheStore(tokenCache: string | undefined): TokenStore | undefined {
  if (tokenCache === undefined) return undefined;
  return /^rediss?:\/\//i.test(tokenCache) ? new RedisUrlStore(tokenCache) : new FileTokenStore(tokenCache);
}

// `AuthManager.fromConfig` reads configs through this module: auth/ itself never imports config/.
installConfigReader((config: AuthConfigInput, overrides?: ConfigOverrides) => authOptionsFromConfig(config as GatewayConfig | GatewaySection, overrides));

export { gatewaySection };
