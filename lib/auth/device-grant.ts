import { AuthError, TokenRequestError, safeCause } from '../errors';
import type { NormalizedOptions } from './normalize-options';
import type { UserCodePrompt } from './options';
import type { TokenEndpoint } from './token-endpoint';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** Waits `ms` unless `signal` aborts first; tests pass one that records the waits. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** RFC 8628 §3.2's default `interval`; §3.5's `slow_down` step. */
const DEFAULT_INTERVAL_MS = 5_000;
const SLOW_DOWN_STEP_MS = 5_000;
/** Never closer than this, whatever the server says: no poll without a pause. */
const MIN_INTERVAL_MS = 1_000;
/** The server's interval is a minimum (RFC 8628 §3.2): kept up to 10 min, past which it is a broken server. */
const MAX_INTERVAL_MS = 600_000;
/** After a transport failure the wait doubles, up to a minute (or the server's own longer interval). */
const MAX_BACKOFF_MS = 60_000;
/** A device code longer-lived than this is capped: a person approves within minutes. */
const MAX_LIFETIME_MS = 2 * 3_600_000;

interface DeviceAuthorization {
  deviceCode: string;
  prompt: UserCodePrompt;
  intervalMs: number;
}

/**
 * The device authorization grant (RFC 8628): asks for a user code, hands it
 * to `onUserCode`, then polls the token endpoint at the server's `interval`
 * (+5 s on each `slow_down`, doubled after a transport failure) until the
 * user approves, denies (`ACCESS_DENIED`) or the code expires
 * (`DEVICE_CODE_EXPIRED`). `signal` ends the wait at once (`ABORTED`).
 */
export async function runDeviceGrant(config: NormalizedOptions, endpoint: TokenEndpoint, signal: AbortSignal, sleep: Sleep = realSleep): Promise<unknown> {
  const { now } = config;
  const authorization = readAuthorization(await endpoint.authorizeDevice({ scope: config.scope }, signal), now());
  try {
    // A callback that never settles must not outlive an abort.
    await Promise.race([config.device!.onUserCode({ ...authorization.prompt }), untilAborted(signal)]);
  } catch (error) {
    if (error instanceof AuthError) throw error;
    throw new AuthError(`onUserCode failed: ${safeCause(error).message}`, { code: 'UNEXPECTED', cause: error });
  }
  let { intervalMs } = authorization;
  while (now() + intervalMs < authorization.prompt.expiresAt) {
    await sleep(intervalMs, signal);
    try {
      return await endpoint.request({ grant_type: DEVICE_CODE_GRANT, device_code: authorization.deviceCode }, signal);
    } catch (error) {
      if (!(error instanceof TokenRequestError)) throw error;
      if (error.oauthError === 'authorization_pending') continue;
      if (error.oauthError === 'slow_down') intervalMs = Math.min(intervalMs + SLOW_DOWN_STEP_MS, MAX_INTERVAL_MS);
      else if (error.oauthError === 'expired_token') throw expired();
      else if (error.oauthError === 'access_denied' || error.oauthError === 'authorization_declined') throw new TokenRequestError('the device authorization was denied', { code: 'ACCESS_DENIED', status: error.status, oauthError: 'access_denied' });
      else if (error.retryable) intervalMs = Math.max(intervalMs, Math.min(intervalMs * 2, MAX_BACKOFF_MS));
      else throw error;
    }
  }
  throw expired();
}

function expired(): TokenRequestError {
  return new TokenRequestError('the device code expired before the user approved it', { code: 'DEVICE_CODE_EXPIRED', oauthError: 'expired_token' });
}

function readAuthorization(body: unknown, receivedAt: number): DeviceAuthorization {
  const answer = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const text = (name: string): string | undefined => {
    const value = answer[name];
    return typeof value === 'string' && value !== '' && value.length <= 2048 ? value : undefined;
  };
  const deviceCode = text('device_code');
  const userCode = text('user_code');
  // Google still says verification_url.
  const verificationUri = text('verification_uri') ?? text('verification_url');
  const complete = text('verification_uri_complete');
  const expiresIn = Number(answer['expires_in']);
  if (deviceCode === undefined || userCode === undefined || verificationUri === undefined || !(expiresIn > 0)) {
    throw new TokenRequestError('invalid device authorization response: device_code, user_code, verification_uri and expires_in are required', { code: 'INVALID_TOKEN_RESPONSE', retryable: true });
  }
  const interval = Number(answer['interval'] ?? DEFAULT_INTERVAL_MS / 1000);
  return {
    deviceCode,
    prompt: { verificationUri, ...(complete && { verificationUriComplete: complete }), userCode, expiresAt: receivedAt + Math.min(expiresIn * 1000, MAX_LIFETIME_MS) },
    intervalMs: Math.min(Math.max(Number.isFinite(interval) ? interval * 1000 : DEFAULT_INTERVAL_MS, MIN_INTERVAL_MS), MAX_INTERVAL_MS),
  };
}

function abortedError(): AuthError {
  return new AuthError('the device authorization was aborted', { code: 'ABORTED' });
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(abortedError());
    else signal.addEventListener('abort', () => reject(abortedError()), { once: true });
  });
}

/** A real wait; its timer holds the process open on purpose (a CLI waiting for the user must not exit). */
function realSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortedError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
