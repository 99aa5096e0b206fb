import { invalidOption, type ConfigError } from '../errors';
import type { ClientAuthMethod } from './token-endpoint';
import type { TokenResponse } from './token-set';
import { MemoryTokenStore, type TokenStore } from './token-store';

/** Anything with console's four methods: console, pino, winston… */
export interface Logger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

/** Options every grant accepts. */
export interface CommonAuthOptions {
  /** Refresh a token this close to expiry before use. Default min(30 s, lifetime/10); capped at lifetime/2. */
  refreshLeewayMs?: number;
  /** Token request timeout. Default 10 000 ms. */
  timeoutMs?: number;
  /** Client credentials in the form body (default) or as HTTP Basic. */
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
  /** Overrides the store key (default: token URL + client + user). */
  storeKey?: string;
  /** Clock in epoch ms; inject one in tests. Default `Date.now`. */
  now?: () => number;
}

/** OAuth2 resource owner password grant. */
export interface PasswordGrantOptions extends CommonAuthOptions {
  grant: 'password';
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  username: string;
  password: string;
  scope?: string;
}

/** OAuth2 client credentials grant. */
export interface ClientCredentialsGrantOptions extends CommonAuthOptions {
  grant: 'client_credentials';
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
}

/** A static API key sent in a header; nothing to refresh. */
export interface ApiKeyOptions extends CommonAuthOptions {
  grant: 'api_key';
  apiKey: string;
  /** Default `X-API-Key`. */
  header?: string;
}

/**
 * Any other flow (device code, token exchange…). With a `tokenUrl`, a returned
 * refresh token is used. The grant has `timeoutMs` to settle (`signal` aborts at
 * that deadline); a flow that waits for a person sets a longer one, or 0 for none.
 */
export interface CustomGrantOptions extends CommonAuthOptions {
  grant: (context: { signal: AbortSignal }) => Promise<TokenResponse>;
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
}

export type AuthManagerOptions = PasswordGrantOptions | ClientCredentialsGrantOptions | ApiKeyOptions | CustomGrantOptions;

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Options normalised once, at the edge. */
export interface NormalizedOptions {
  grant: AuthManagerOptions['grant'];
  endpoint?: { tokenUrl: string; clientId: string; clientSecret?: string; clientAuth: ClientAuthMethod; timeoutMs: number };
  password?: { username: string; password: string };
  scope?: string;
  apiKey?: { value: string; header: string };
  refreshLeewayMs?: number;
  /** Deadline of a custom grant function; 0 = none. */
  grantTimeoutMs: number;
  store: TokenStore;
  storeKey: string;
  logger: Logger;
  autoRefresh: boolean;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  now: () => number;
}

export function normalizeOptions(options: AuthManagerOptions): NormalizedOptions {
  if (options === null || typeof options !== 'object') throw invalid('options', 'must be an object');
  const { grant } = options;
  const common = {
    grant,
    store: options.store ?? new MemoryTokenStore(),
    logger: options.logger ?? silentLogger,
    autoRefresh: options.autoRefresh ?? false,
    retryDelayMs: nonNegative(options, 'retryDelayMs', 1000),
    maxRetryDelayMs: nonNegative(options, 'maxRetryDelayMs', 30_000),
    now: options.now ?? Date.now,
    grantTimeoutMs: typeof grant === 'function' ? nonNegative(options, 'timeoutMs', 10_000) : 0,
  };
  const timeoutMs = nonNegative(options, 'timeoutMs', 10_000);
  const clientAuth = options.clientAuth ?? 'body';
  if (clientAuth !== 'body' && clientAuth !== 'basic') throw invalid('clientAuth', "must be 'body' or 'basic'");
  const leeway = options.refreshLeewayMs === undefined ? undefined : nonNegative(options, 'refreshLeewayMs', 0);
  const withLeeway = leeway === undefined ? {} : { refreshLeewayMs: leeway };

  if (grant === 'api_key') {
    const apiKey = requireString(options, 'apiKey');
    const header = options.header ?? 'X-API-Key';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) throw invalid('header', 'is not a valid HTTP header name');
    return { ...common, apiKey: { value: apiKey, header }, storeKey: options.storeKey ?? `api_key|${header}` };
  }
  if (typeof grant === 'function') {
    const custom = options as CustomGrantOptions;
    const tokenUrl = custom.tokenUrl === undefined ? undefined : requireUrl(custom, 'tokenUrl');
    const endpoint = tokenUrl === undefined ? undefined : { tokenUrl, clientId: custom.clientId ?? '', clientAuth, timeoutMs, ...secret(custom.clientSecret) };
    return { ...common, ...withLeeway, ...(endpoint && { endpoint }), storeKey: options.storeKey ?? `custom|${tokenUrl ?? ''}|${custom.clientId ?? ''}` };
  }
  if (grant !== 'password' && grant !== 'client_credentials') {
    throw invalid('grant', "must be 'password', 'client_credentials', 'api_key' or a function returning a token response");
  }
  const tokenUrl = requireUrl(options, 'tokenUrl');
  const clientId = requireString(options, 'clientId');
  if (grant === 'client_credentials') requireString(options, 'clientSecret');
  const endpoint = { tokenUrl, clientId, clientAuth, timeoutMs, ...secret(options.clientSecret) };
  const scope = options.scope === undefined ? {} : { scope: requireString(options, 'scope') };
  if (grant === 'password') {
    const username = requireString(options, 'username');
    const password = requireString(options, 'password');
    return { ...common, ...withLeeway, ...scope, endpoint, password: { username, password }, storeKey: options.storeKey ?? `${tokenUrl}|${clientId}|${username}` };
  }
  return { ...common, ...withLeeway, ...scope, endpoint, storeKey: options.storeKey ?? `${tokenUrl}|${clientId}|` };
}

function secret(clientSecret: string | undefined): { clientSecret?: string } {
  return clientSecret ? { clientSecret } : {};
}

function invalid(key: string, problem: string): ConfigError {
  return invalidOption('AuthManager', key, problem);
}

function requireString<T extends object>(options: T, key: keyof T & string): string {
  const value = options[key];
  if (typeof value !== 'string' || value === '') throw invalid(key, 'must be a non-empty string');
  return value;
}

function requireUrl<T extends object>(options: T, key: keyof T & string): string {
  const value = requireString(options, key);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(key, 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(key, 'must be an absolute http(s) URL');
  return value;
}

function nonNegative<T extends object>(options: T, key: keyof T & string, fallback: number): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(key, 'must be a non-negative number');
  return value;
}

/** The options' metadata for `toJSON`: the grant, where tokens come from, which header. Never a secret. */
export function describeOptions({ grant, endpoint, apiKey }: NormalizedOptions): Record<string, unknown> {
  return {
    grant: typeof grant === 'function' ? 'custom' : grant,
    ...(endpoint && { tokenUrl: endpoint.tokenUrl, clientId: endpoint.clientId }),
    ...(apiKey && { header: apiKey.header }),
  };
}
