import { AuthError, TokenRequestError, safeCause } from '../errors';
import { withDeadline } from './deadline';
import { runDeviceGrant } from './device-grant';
import type { NormalizedOptions } from './normalize-options';
import type { TokenEndpoint } from './token-endpoint';

/**
 * The requests behind a token: the configured grant (password,
 * client_credentials, device code, or a custom function with its deadline)
 * and the refresh_token grant. Each resolves to the token response's parsed
 * body. `signal` ends a device authorization that waits for its user.
 */
export function requestGrant(config: NormalizedOptions, endpoint: TokenEndpoint | undefined, signal: AbortSignal): Promise<unknown> {
  const { grant, password, scope } = config;
  if (typeof grant === 'function') return runCustomGrant(grant, config.grantTimeoutMs);
  if (grant === 'device_code') return runDeviceGrant(config, endpoint!, signal);
  if (password) return endpoint!.request({ grant_type: 'password', username: password.username, password: password.password, scope });
  return endpoint!.request({ grant_type: 'client_credentials', scope });
}

export function requestRefresh(endpoint: TokenEndpoint, refreshToken: string): Promise<unknown> {
  return endpoint.request({ grant_type: 'refresh_token', refresh_token: refreshToken });
}

async function runCustomGrant(grant: Extract<NormalizedOptions['grant'], (...args: never[]) => unknown>, timeoutMs: number): Promise<unknown> {
  const timedOut = () => new TokenRequestError(`custom grant timed out after ${timeoutMs} ms`, { code: 'TOKEN_REQUEST_TIMEOUT', retryable: true });
  try {
    return await withDeadline(timeoutMs, (signal) => grant({ signal }), timedOut);
  } catch (error) {
    throw error instanceof AuthError ? error : new TokenRequestError(`custom grant failed: ${safeCause(error).message}`, { cause: safeCause(error) });
  }
}
