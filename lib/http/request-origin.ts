import type { AuthRequestConfig } from './types';

// axios's own test for an absolute URL (helpers/isAbsoluteURL.js).
const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/**
 * The origin a request will go to, resolved the way axios resolves it
 * (`baseURL` + `url`, `allowAbsoluteUrls`). A relative URL is resolved against
 * the page's origin in a browser; in Node it has no origin (axios cannot send
 * it either), so it gets no credentials.
 */
export function requestOrigin(config: AuthRequestConfig): string | undefined {
  const url = urlOf(config);
  const base = baseOf(config, url);
  if (base === undefined) return originOf(url);
  // baseURL + a path keeps the baseURL's origin: the hot path, answered from the memo without parsing.
  return ABSOLUTE_URL.test(base) ? originOf(base) : originOf(combine(base, url));
}

/** The full URL a request goes to (before `params`), resolved like `requestOrigin`. */
export function requestUrl(config: AuthRequestConfig): string | undefined {
  const url = urlOf(config);
  const base = baseOf(config, url);
  const full = base === undefined ? url : combine(base, url);
  try {
    return new URL(full, pageOrigin()).href;
  } catch {
    return undefined;
  }
}

/** Origins of recently seen URLs (baseURLs, mostly): every request asks, few URLs repeat endlessly. */
const originMemo = new Map<string, string | undefined>();
const ORIGIN_MEMO_LIMIT = 64;

/** The origin of a URL (relative ones against the page, in a browser), or undefined. */
export function originOf(url: string): string | undefined {
  if (originMemo.has(url)) return originMemo.get(url);
  let origin: string | undefined;
  try {
    const parsed = new URL(url, pageOrigin()).origin;
    origin = parsed === 'null' ? undefined : parsed;
  } catch {
    origin = undefined;
  }
  if (originMemo.size >= ORIGIN_MEMO_LIMIT) originMemo.clear();
  originMemo.set(url, origin);
  return origin;
}

function urlOf(config: AuthRequestConfig): string {
  return config.url instanceof URL ? config.url.href : typeof config.url === 'string' ? config.url : '';
}

/** The baseURL axios puts before `url`, or undefined when `url` stands alone (no baseURL, or absolute and allowed). */
function baseOf(config: AuthRequestConfig, url: string): string | undefined {
  const base = typeof config.baseURL === 'string' && config.baseURL !== '' ? config.baseURL : undefined;
  return base === undefined || (ABSOLUTE_URL.test(url) && config.allowAbsoluteUrls !== false) ? undefined : base;
}

function combine(base: string, relative: string): string {
  return relative ? `${base.replace(/\/?\/$/, '')}/${relative.replace(/^\/+/, '')}` : base;
}

function pageOrigin(): string | undefined {
  const origin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  return typeof origin === 'string' && origin !== 'null' ? origin : undefined;
}
