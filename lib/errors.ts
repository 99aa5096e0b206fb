/**
 * Error classes with a stable `code`. None of them ever carries a password,
 * client secret, access or refresh token: messages are built here from
 * metadata only, and causes are summaries, never raw axios errors (whose
 * `config.data` would hold the form body with the credentials).
 */

/** Stable error codes, safe to switch on. */
export type AuthErrorCode =
  | 'AUTH_FAILED'
  | 'TOKEN_REQUEST_FAILED'
  | 'TOKEN_ENDPOINT_UNREACHABLE'
  | 'TOKEN_REQUEST_TIMEOUT'
  | 'INVALID_TOKEN_RESPONSE'
  | 'INVALID_OPTIONS'
  | 'CONFIG_INVALID'
  | 'CHANNEL_CLOSED'
  | 'QUEUE_FULL'
  | 'SEND_TIMEOUT'
  | 'NOT_REPLAYABLE'
  | 'GATEWAY_PROTOCOL'
  | 'ABORTED';

export interface AuthErrorOptions {
  code?: AuthErrorCode;
  /** May the same call succeed later without a change of credentials? */
  retryable?: boolean;
  cause?: unknown;
}

/** Base class of every error this library throws. */
export class AuthError extends Error {
  override name = 'AuthError';
  readonly code: AuthErrorCode;
  /** `true` when trying again later may succeed (network, timeout, 5xx). */
  readonly retryable: boolean;

  constructor(message: string, options: AuthErrorOptions = {}) {
    // Sanitised whoever builds the error: an axios error as cause would carry the request's form body.
    super(message, options.cause === undefined ? undefined : { cause: safeCause(options.cause) });
    this.code = options.code ?? 'AUTH_FAILED';
    this.retryable = options.retryable ?? false;
  }
}

export interface TokenRequestErrorOptions extends AuthErrorOptions {
  /** HTTP status of the token endpoint's answer, when there was one. */
  status?: number;
  /** The OAuth `error` field (`invalid_grant`, `invalid_client`, …). */
  oauthError?: string;
  /** The OAuth `error_description` field. */
  errorDescription?: string;
}

/** The token endpoint (or a custom grant) failed or answered something unusable. */
export class TokenRequestError extends AuthError {
  override name = 'TokenRequestError';
  readonly status: number | undefined;
  readonly oauthError: string | undefined;
  readonly errorDescription: string | undefined;

  constructor(message: string, options: TokenRequestErrorOptions = {}) {
    super(message, { code: 'TOKEN_REQUEST_FAILED', ...options });
    this.status = options.status;
    this.oauthError = options.oauthError;
    this.errorDescription = options.errorDescription;
  }

  /**
   * The server refused the grant itself (`invalid_grant`, `invalid_client`,
   * 400/401): trying the same credentials again will not help.
   */
  get rejected(): boolean {
    return !this.retryable && (this.oauthError !== undefined || this.status === 400 || this.status === 401);
  }
}

/** A configuration file or options object is invalid; `key` names the culprit. */
export class ConfigError extends AuthError {
  override name = 'ConfigError';
  readonly key: string | undefined;
  readonly line: number | undefined;

  constructor(message: string, details: { key?: string; line?: number; cause?: unknown } = {}) {
    super(message, { code: 'CONFIG_INVALID', cause: details.cause });
    this.key = details.key;
    this.line = details.line;
  }
}

/** A send or wait on a channel that has ended. */
export class ChannelClosedError extends AuthError {
  override name = 'ChannelClosedError';
  constructor(message = 'the session channel is closed', options: AuthErrorOptions = {}) {
    super(message, { code: 'CHANNEL_CLOSED', ...options });
  }
}

/** The channel's send queue is at its bound; the message was not queued. */
export class QueueFullError extends AuthError {
  override name = 'QueueFullError';
  constructor(limit: number) {
    super(`send queue is full (${limit} messages waiting for the connection)`, { code: 'QUEUE_FULL', retryable: true });
  }
}

/** A summary of an underlying error that is safe to keep as a `cause`. */
export function safeCause(error: unknown): Error {
  if (error instanceof AuthError) return error;
  const source = error as { name?: unknown; message?: unknown; code?: unknown } | null;
  const summary = new Error(typeof source?.message === 'string' ? source.message : String(error));
  summary.name = typeof source?.name === 'string' ? source.name : 'Error';
  if (typeof source?.code === 'string') (summary as Error & { code?: string }).code = source.code;
  summary.stack = `${summary.name}: ${summary.message}`;
  return summary;
}
