import type { AuthError } from '../errors';

/** Metadata of a new token. Never the token itself: call `getAccessToken()`. */
export interface TokenEvent {
  source: 'authenticate' | 'refresh' | 'store';
  /** Short one-way fingerprint of the access token. */
  fingerprint: string;
  /** Epoch ms; absent for an opaque token without a lifetime. */
  expiresAt: number | undefined;
  durationMs: number;
  /** A refresh that returned a new refresh token. */
  rotated: boolean;
}

export interface RefreshFailedEvent {
  error: AuthError;
  retryable: boolean;
  durationMs: number;
  /** Epoch ms before which no new token request is made. */
  retryAt: number;
}

export interface UnauthorizedEvent {
  /** Fingerprint of the token the server rejected, when the caller said which. */
  fingerprint: string | undefined;
  /** The token had already been replaced: no refresh was needed. */
  stale: boolean;
}

/** The events of an `AuthManager`; payloads carry metadata, never secrets. */
export interface AuthManagerEvents {
  /** A full authentication with the grant succeeded. */
  authenticated: (event: TokenEvent) => void;
  /** A refresh_token grant succeeded. */
  refreshed: (event: TokenEvent) => void;
  /** Any new token set, including one read from the store. */
  token: (event: TokenEvent) => void;
  /** A token flight failed (it may be retried after `retryAt`). */
  refreshFailed: (event: RefreshFailedEvent) => void;
  /** A 401 was reported through `handleUnauthorized()`. */
  unauthorized: (event: UnauthorizedEvent) => void;
  /** Authentication failed for good (credentials rejected). */
  error: (error: AuthError) => void;
}

/** Emits without letting a listener's throw turn a good token into a failed flight. */
export function notifySafely<K extends keyof AuthManagerEvents>(
  emitter: { emit(event: K, ...args: Parameters<AuthManagerEvents[K]>): boolean },
  logger: { error(message: string, meta?: Record<string, unknown>): void },
  event: K,
  ...args: Parameters<AuthManagerEvents[K]>
): void {
  try {
    emitter.emit(event, ...args);
  } catch (error) {
    logger.error(`axios-ws-auth: a '${event}' listener threw`, { message: error instanceof Error ? error.message : String(error) });
  }
}
