import { invalidOption, type ConfigError } from '../errors';
import { algorithmOf, keyFingerprint } from './signing-key';
import { MemoryTokenStore } from './token-store';
import type {
  AuthManagerOptions,
  ClientAuthMethod,
  CommonAuthOptions,
  DeviceCodeGrantOptions,
  DpopKeyOptions,
  Logger,
  OAuthClientOptions,
  SigningKey,
  UserCodePrompt,
} from './options';
import type { TokenStore } from './token-store';

/** Where the authorization server is and how the client proves who it is, checked once. */
export interface EndpointSettings {
  tokenUrl?: string;
  issuer?: string;
  revocationUrl?: string;
  deviceAuthorizationUrl?: string;
  clientId: string;
  clientSecret?: string;
  /** `undefined`: chosen from the discovery document, else `body`. */
  clientAuth?: ClientAuthMethod;
  privateKey?: SigningKey;
  keyId?: string;
  assertionAudience?: string;
  assertionHeaders?: Record<string, string>;
  /** RFC 8707 resource indicators and `audience`, sent on every grant. */
  resource: readonly string[];
  audience?: string;
  timeoutMs: number;
}

/** Options normalised once, at the edge. */
export interface NormalizedOptions {
  grant: AuthManagerOptions['grant'];
  endpoint?: EndpointSettings;
  password?: { username: string; password: string };
  device?: { onUserCode: (prompt: UserCodePrompt) => void | Promise<void>; signal?: AbortSignal };
  /** DPoP on: a key of the user's, or `{}` for a fresh pair in memory. */
  dpop?: Partial<DpopKeyOptions>;
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

/** What every grant with an authorization server has. */
type ClientOptions = OAuthClientOptions & Pick<CommonAuthOptions, 'clientAuth'> & { clientId?: string; clientSecret?: string };

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['body', 'basic', 'private_key_jwt', 'client_secret_jwt'];
const GRANTS = "'password', 'client_credentials', 'device_code', 'api_key' or a function returning a token response";

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
    ...(options.refreshLeewayMs !== undefined && { refreshLeewayMs: nonNegative(options, 'refreshLeewayMs', 0) }),
  };
  if (grant === 'api_key') {
    const apiKey = requireString(options, 'apiKey');
    const header = options.header ?? 'X-API-Key';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) throw invalid('header', 'is not a valid HTTP header name');
    return { ...common, apiKey: { value: apiKey, header }, storeKey: options.storeKey ?? `api_key|${header}` };
  }
  if (typeof grant !== 'function' && grant !== 'password' && grant !== 'client_credentials' && grant !== 'device_code') throw invalid('grant', `must be ${GRANTS}`);

  const client = options as ClientOptions & { scope?: string };
  const located = client.tokenUrl !== undefined || client.issuer !== undefined;
  // A custom grant needs no token endpoint unless it wants its refresh tokens used.
  const endpoint = typeof grant === 'function' && !located ? undefined : endpointSettings(client, options.timeoutMs, typeof grant !== 'function');
  const dpop = dpopSettings(client.dpop);
  if (dpop && typeof grant === 'function') throw invalid('dpop', 'cannot bind the token of a custom grant function (it makes its own requests, without this key); use a built-in grant');
  const scope = client.scope === undefined ? {} : { scope: requireString(client, 'scope') };
  const extra = { ...scope, ...(endpoint && { endpoint }), ...(dpop && { dpop }) };
  // DPoP tokens are bound to a key: a pair made here must not be adopted by a runtime that lacks it.
  const keySuffix = dpop === undefined ? '' : `|dpop:${dpop.privateKey ? (keyFingerprint(dpop.privateKey, dpop.publicKey) ?? 'key') : Math.random().toString(36).slice(2)}`;
  const place = endpoint?.tokenUrl ?? endpoint?.issuer ?? '';
  const keyOf = (user: string) => options.storeKey ?? `${typeof grant === 'function' ? 'custom|' : ''}${place}|${endpoint?.clientId ?? ''}|${user}${keySuffix}`;

  if (typeof grant === 'function') return { ...common, ...extra, storeKey: keyOf('') };
  if (grant === 'password') {
    const password = { username: requireString(options, 'username'), password: requireString(options, 'password') };
    return { ...common, ...extra, password, storeKey: keyOf(password.username) };
  }
  if (grant === 'device_code') {
    const device = options as DeviceCodeGrantOptions;
    if (typeof device.onUserCode !== 'function') throw invalid('onUserCode', 'must be a function that shows the user code and verification URI');
    if (device.signal !== undefined && !(typeof device.signal === 'object' && typeof device.signal?.aborted === 'boolean')) throw invalid('signal', 'must be an AbortSignal');
    if (device.deviceAuthorizationUrl === undefined && device.issuer === undefined) throw invalid('deviceAuthorizationUrl', 'is required without issuer');
    return { ...common, ...extra, device: { onUserCode: device.onUserCode, ...(device.signal && { signal: device.signal }) }, storeKey: keyOf('device') };
  }
  const { clientSecret, privateKey } = endpoint!;
  if (clientSecret === undefined && privateKey === undefined) throw invalid('clientSecret', 'is required for client_credentials (or privateKey for private_key_jwt)');
  return { ...common, ...extra, storeKey: keyOf('') };
}

function endpointSettings(client: ClientOptions, timeout: number | undefined, needsClientId: boolean): EndpointSettings {
  if (client.tokenUrl === undefined && client.issuer === undefined) throw invalid('tokenUrl', 'is required (or issuer, to discover it)');
  const clientId = needsClientId ? requireString(client, 'clientId') : (client.clientId ?? '');
  const urls = (['tokenUrl', 'issuer', 'revocationUrl', 'deviceAuthorizationUrl'] as const).filter((key) => (client as Record<string, unknown>)[key] !== undefined);
  const located = Object.fromEntries(urls.map((key) => [key, requireUrl(client as Record<string, unknown>, key)]));
  const clientAuth = client.clientAuth ?? (client.privateKey !== undefined ? 'private_key_jwt' : undefined);
  if (clientAuth !== undefined && !CLIENT_AUTH_METHODS.includes(clientAuth)) throw invalid('clientAuth', `must be one of ${CLIENT_AUTH_METHODS.map((method) => `'${method}'`).join(', ')}`);
  if (client.privateKey !== undefined && clientAuth !== 'private_key_jwt') throw invalid('privateKey', `is only used with clientAuth 'private_key_jwt' (clientAuth is '${clientAuth}')`);
  if (clientAuth === 'basic' && !client.clientSecret) throw invalid('clientSecret', "is required for clientAuth 'basic' (a public client sends its client_id in the body)");
  if (client.issuer !== undefined && /[?#]/.test(client.issuer)) throw invalid('issuer', 'must have no query or fragment (RFC 8414 §2)');
  if (clientAuth === 'private_key_jwt') checkSigningKey(client.privateKey, 'privateKey');
  if (clientAuth === 'client_secret_jwt' && !client.clientSecret) throw invalid('clientSecret', 'is required for client_secret_jwt');
  const resource = client.resource === undefined ? [] : typeof client.resource === 'string' ? [client.resource] : client.resource;
  if (!Array.isArray(resource)) throw invalid('resource', 'must be an absolute URI or an array of them');
  resource.forEach((entry: unknown, index) => {
    if (typeof entry !== 'string' || !/^[A-Za-z][A-Za-z0-9+.-]*:[^#]*$/.test(entry)) throw invalid(`resource[${index}]`, 'must be an absolute URI without a fragment (RFC 8707)');
  });
  const optionalStrings = (['audience', 'keyId', 'assertionAudience'] as const).filter((key) => client[key] !== undefined);
  const headers = client.assertionHeaders;
  if (headers !== undefined && (headers === null || typeof headers !== 'object' || Object.values(headers).some((value) => typeof value !== 'string') || 'alg' in headers || 'typ' in headers)) {
    throw invalid('assertionHeaders', 'must be an object of string members other than alg and typ');
  }
  return {
    ...located,
    clientId,
    ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}),
    ...(clientAuth !== undefined && { clientAuth }),
    ...(clientAuth === 'private_key_jwt' && { privateKey: client.privateKey }),
    ...Object.fromEntries(optionalStrings.map((key) => [key, requireString(client, key)])),
    ...(headers && { assertionHeaders: { ...headers } }),
    resource: [...resource],
    timeoutMs: nonNegative({ timeoutMs: timeout }, 'timeoutMs', 10_000),
  };
}

function dpopSettings(dpop: OAuthClientOptions['dpop']): Partial<DpopKeyOptions> | undefined {
  if (dpop === undefined || dpop === false) return undefined;
  if (dpop === true) return {};
  if (dpop === null || typeof dpop !== 'object') throw invalid('dpop', 'must be true or { privateKey }');
  checkSigningKey(dpop.privateKey, 'dpop.privateKey');
  if (dpop.publicKey !== undefined) checkSigningKey(dpop.publicKey, 'dpop.publicKey', 'public');
  // The proof's header carries the public key: a non-extractable CryptoKey cannot give it.
  if ((dpop.privateKey as { extractable?: unknown }).extractable === false && dpop.publicKey === undefined) {
    throw invalid('dpop.publicKey', 'is required with a non-extractable private CryptoKey (the proof carries the public key)');
  }
  return { privateKey: dpop.privateKey, ...(dpop.publicKey && { publicKey: dpop.publicKey }) };
}

/** A JWK with private members, or a CryptoKey/KeyObject of the right type. Never quotes the key. */
function checkSigningKey(key: unknown, name: string, type: 'private' | 'public' = 'private'): void {
  const candidate = key as { kty?: unknown; d?: unknown; type?: unknown } | null | undefined;
  if (candidate === null || typeof candidate !== 'object') throw invalid(name, `must be a ${type} JWK, CryptoKey or KeyObject`);
  if (typeof candidate.kty === 'string') {
    if (type === 'private' && candidate.d === undefined) throw invalid(name, 'is a JWK without its private part (d)');
  } else if (candidate.type !== type) {
    throw invalid(name, `must be a ${type} JWK, CryptoKey or KeyObject (got ${typeof candidate.type === 'string' ? `a ${candidate.type} key` : 'something else'})`);
  }
  try {
    algorithmOf(key as SigningKey);
  } catch (error) {
    throw invalid(name, (error as Error).message);
  }
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

/** A URL as it may be shown: `user:password@` taken out. */
function withoutUserinfo(url: string): string {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}

/** The options' metadata for `toJSON`: the grant, where tokens come from, which header. Never a secret. */
export function describeOptions({ grant, endpoint, apiKey, dpop }: NormalizedOptions): Record<string, unknown> {
  return {
    grant: typeof grant === 'function' ? 'custom' : grant,
    ...(endpoint?.tokenUrl && { tokenUrl: withoutUserinfo(endpoint.tokenUrl) }),
    ...(endpoint?.issuer && { issuer: endpoint.issuer }),
    ...(endpoint && { clientId: endpoint.clientId }),
    ...(apiKey && { header: apiKey.header }),
    ...(dpop && { dpop: true }),
  };
}
