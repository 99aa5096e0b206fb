import type { RequestTarget } from '../auth/header-cache';
import type { AuthRequestConfig } from './types';
import { requestUrl } from './request-origin';

/**
 * Counts nonce replays per request, as a string key (see REPLAYS in
 * attach-auth: it must survive axios's mergeConfig).
 */
export const NONCE_REPLAYS = 'axiosWsAuthNonceReplays';

/** What a resource server said about DPoP in one answer (RFC 9449 §9). */
export interface DpopAnswer {
  /** A `DPoP-Nonce` header: the next proofs to this origin carry it. */
  nonce: string | undefined;
  /** `WWW-Authenticate: DPoP error="use_dpop_nonce"`: the proof lacked the current nonce. */
  wantsNonce: boolean;
}

/** Reads `DPoP-Nonce` and a nonce challenge off an axios response (any version's headers). */
export function readDpopAnswer(response: unknown): DpopAnswer {
  const headers = (response as { headers?: unknown } | null | undefined)?.headers;
  const nonce = header(headers, 'dpop-nonce');
  const challenge = header(headers, 'www-authenticate') ?? '';
  return {
    nonce: nonce !== undefined && /^[\x21\x23-\x5B\x5D-\x7E]{1,512}$/.test(nonce) ? nonce : undefined,
    wantsNonce: /(^|[\s,])DPoP\b[^]*\berror\s*=\s*"?use_dpop_nonce"?/i.test(challenge),
  };
}

/** What a DPoP proof for this request is bound to: the method and the URL axios will call. */
export function requestTarget(config: AuthRequestConfig): RequestTarget {
  return { method: typeof config.method === 'string' ? config.method.toUpperCase() : 'GET', url: requestUrl(config) ?? '' };
}

export function nonceReplays(config: object): number {
  const value = (config as { [NONCE_REPLAYS]?: unknown })[NONCE_REPLAYS];
  return typeof value === 'number' ? value : 0;
}

function header(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const getter = (headers as { get?: unknown }).get;
  const value = typeof getter === 'function' ? (getter as (key: string) => unknown).call(headers, name) : findHeader(headers as Record<string, unknown>, name);
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : undefined;
}

function findHeader(headers: Record<string, unknown>, name: string): unknown {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}
