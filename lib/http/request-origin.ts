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
  const url = config.url instanceof URL ? config.url.href : typeof config.url === 'string' ? config.url : '';
  const base = typeof config.baseURL === 'string' && config.baseURL !== '' ? config.baseURL : undefined;
  const full = base !== undefined && (!ABSOLUTE_URL.test(url) || config.allowAbsoluteUrls === false) ? combine(base, url) : url;
  return originOf(full);
}

/** The origin of a URL (relative ones against the page, in a browser), or undefined. */
export function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url, pageOrigin()).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

function combine(base: string, relative: string): string {
  return relative ? `${base.replace(/\/?\/$/, '')}/${relative.replace(/^\/+/, '')}` : base;
}

function pageOrigin(): string | undefined {
  const origin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  return typeof origin === 'string' && origin !== 'null' ? origin : undefined;
}
