import type { RequestTarget } from '../auth/header-cache';
import type { AuthRequestConfig } from './types';
import { requestUrl } from './request-origin';

/**
 * Counts nonce replays per request, as a string key (see REPLAYS in
 * attach-auth: it must survive axios's mergeConfig).
 */
export const NONCE_REPLAYS = 'axiosWsAuthNonceReplays';

/** What a DPoP proof for this request is bound to: the method and the URL axios will call. */
export function requestTarget(config: AuthRequestConfig): RequestTarget {
  return { method: typeof config.method === 'string' ? config.method.toUpperCase() : 'GET', url: requestUrl(config) ?? '' };
}

export function nonceReplays(config: object): number {
  const value = (config as { [NONCE_REPLAYS]?: unknown })[NONCE_REPLAYS];
  return typeof value === 'number' ? value : 0;
}
