import { header } from '../auth/dpop-answer';
import { ConfigError } from '../errors';
import { isReplayableBody } from './request-body';
import { requestUrl } from './request-origin';
import type { AuthRequestConfig } from './types';

// String keys, like the replay count: symbol keys survive axios's mergeConfig only from 1.19 on.
/** Set on a config whose fetch we made stop at redirects: we follow them, not the adapter. */
const MANUAL = 'axiosWsAuthManualRedirects';
/** How many redirects this request has followed already. */
const HOPS = 'axiosWsAuthRedirectHops';
/** The caller's `maxRedirects`, kept when we set the adapter's to 0 to follow ourselves. */
const LIMIT = 'axiosWsAuthRedirectLimit';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

type Config = AuthRequestConfig & { adapter?: unknown; fetchOptions?: unknown; maxRedirects?: unknown; method?: unknown; data?: unknown; params?: unknown; [MANUAL]?: true; [HOPS]?: number; [LIMIT]?: number };

/** The adapter axios will pick for `config` ('custom' for a function: a mock, or the user's own). */
export function adapterKind(adapter: unknown): 'http' | 'fetch' | 'xhr' | 'custom' {
  for (const name of Array.isArray(adapter) ? adapter : [adapter ?? ['xhr', 'http', 'fetch']].flat()) {
    if (typeof name === 'function') return 'custom';
    if (name === 'xhr' && typeof (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest !== 'undefined') return 'xhr';
    if (name === 'http' && typeof process !== 'undefined' && typeof process.versions?.node === 'string') return 'http';
    if (name === 'fetch' && typeof fetch === 'function') return 'fetch';
  }
  return 'custom';
}

/**
 * Keeps the adapter from carrying `headerNames` through a redirect it follows
 * on its own. The http adapter has its `beforeRedirect` guard (elsewhere).
 * fetch is told `redirect: 'manual'`: the 3xx comes back here and
 * `redirectToFollow` decides. XHR follows redirects itself: a browser drops
 * `Authorization` on a cross-origin redirect, but not an API-key header, so
 * such a request goes by fetch instead, or not at all.
 */
export function controlRedirects(config: Config, headerNames: readonly string[]): void {
  let kind = adapterKind(config.adapter);
  if (kind === 'xhr' && headerNames.some((name) => name.toLowerCase() !== 'authorization')) {
    if (typeof fetch !== 'function') throw new ConfigError(`attachAuth: the ${headerNames.join(', ')} header cannot be kept from following a redirect with the xhr adapter, and fetch is not available`, { code: 'INVALID_OPTIONS', key: 'adapter' });
    config.adapter = 'fetch';
    kind = 'fetch';
  }
  // A DPoP proof names one method and URL: a hop needs a new one, which only our own following can sign.
  if (kind === 'http' && headerNames.some((name) => name.toLowerCase() === 'dpop')) {
    if (config.maxRedirects === 0) return; // the caller's own choice: the 3xx is theirs
    config[LIMIT] ??= typeof config.maxRedirects === 'number' ? config.maxRedirects : 5;
    config.maxRedirects = 0;
    config[MANUAL] = true;
    return;
  }
  if (kind !== 'fetch') return;
  const options = (config.fetchOptions ?? {}) as { redirect?: unknown };
  if (options.redirect !== undefined && options.redirect !== 'follow') return; // the caller's own choice ('manual', 'error'): theirs to handle
  config.fetchOptions = { ...options, redirect: 'manual' };
  config[MANUAL] = true;
}

/**
 * The config of the next hop when `response` is a redirect we stopped fetch
 * at, else undefined. The credentials are taken off: the request interceptor
 * puts them back only if the new origin may have them. 303 (and 301/302 after
 * a POST) become a GET without body, as fetch would; a 307/308 with a stream
 * body that is spent, or one hop past `maxRedirects` (default 5), comes back as is.
 */
export function redirectToFollow<C extends Config>(config: C, answer: unknown, headerNames: readonly string[]): C | undefined {
  const response = answer as { status?: unknown; headers?: unknown } | undefined;
  if (!config[MANUAL] || !response || !REDIRECT_STATUSES.has(response.status as number)) return undefined;
  const location = header(response.headers, 'location');
  const from = requestUrl(config);
  const hops = config[HOPS] ?? 0;
  const limit = config[LIMIT] ?? (typeof config.maxRedirects === 'number' ? config.maxRedirects : 5);
  if (location === undefined || from === undefined || hops >= limit) return undefined;
  let target: string;
  try {
    target = new URL(location, from).href;
  } catch {
    return undefined;
  }
  const method = String(config.method ?? 'get').toLowerCase();
  const toGet = response.status === 303 ? method !== 'head' : (response.status === 301 || response.status === 302) && method === 'post';
  if (!toGet && !isReplayableBody(config.data)) return undefined;
  const headers = withoutHeaders(config.headers, toGet ? [...headerNames, 'content-type', 'content-length'] : headerNames);
  return { ...config, url: target, baseURL: undefined, params: undefined, headers, ...(toGet && { method: 'get', data: undefined }), [HOPS]: hops + 1 };
}

/** A plain copy of `headers` without `names` (any case). */
export function withoutHeaders(headers: unknown, names: readonly string[]): Record<string, unknown> {
  const lower = new Set(names.map((name) => name.toLowerCase()));
  const plain = (headers && typeof (headers as { toJSON?: unknown }).toJSON === 'function' ? (headers as { toJSON(): unknown }).toJSON() : headers ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(plain).filter(([name]) => !lower.has(name.toLowerCase())));
}
