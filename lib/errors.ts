/**
 * Error classes with a stable `code`. None of them ever carries a password,
 * client secret, access or refresh token: messages are built from metadata
 * only, and causes are summaries, never raw axios errors (whose `config.data`
 * would hold the form body with the credentials).
 */

/**
 * Every code the library uses, one per meaning. Switch on these rather than
 * on messages; new codes may be added, existing ones keep their meaning.
 */
export const ErrorCodes = {
  /** Authentication failed for good: the grant's credentials were refused, or a fresh token was refused again. */
  AUTH_FAILED: 'AUTH_FAILED',
  /** The token endpoint answered an error status (see `status`, `oauthError`). */
  TOKEN_REQUEST_FAILED: 'TOKEN_REQUEST_FAILED',
  /** The token endpoint (or discovery document) could not be reached. */
  TOKEN_ENDPOINT_UNREACHABLE: 'TOKEN_ENDPOINT_UNREACHABLE',
  /** The token endpoint answered with a redirect: a misconfigured URL, not refused credentials. */
  TOKEN_ENDPOINT_REDIRECT: 'TOKEN_ENDPOINT_REDIRECT',
  /** A token request (or a custom grant) missed its deadline. */
  TOKEN_REQUEST_TIMEOUT: 'TOKEN_REQUEST_TIMEOUT',
  /** A 2xx token response that is not a usable token set (not JSON, too large, no access_token…). */
  INVALID_TOKEN_RESPONSE: 'INVALID_TOKEN_RESPONSE',
  /** Discovery failed: no usable metadata, or its `issuer` does not match. */
  DISCOVERY_FAILED: 'DISCOVERY_FAILED',
  /** The device authorization expired before the user approved it (RFC 8628 `expired_token`). */
  DEVICE_CODE_EXPIRED: 'DEVICE_CODE_EXPIRED',
  /** The user or the server denied the device authorization (RFC 8628 `access_denied`). */
  ACCESS_DENIED: 'ACCESS_DENIED',
  /** A function or constructor was given a bad option; `key` names it. */
  INVALID_OPTIONS: 'INVALID_OPTIONS',
  /** A configuration file is invalid; `key` (and `line`) name the culprit. */
  CONFIG_INVALID: 'CONFIG_INVALID',
  /** The session channel has ended (or ended before this call could complete). */
  CHANNEL_CLOSED: 'CHANNEL_CLOSED',
  /** No first connection within `connectTimeoutMs`. */
  CONNECT_TIMEOUT: 'CONNECT_TIMEOUT',
  /** The send queue is at its bound; the message was not queued (retryable). */
  QUEUE_FULL: 'QUEUE_FULL',
  /** A message iterator fell too far behind (messages or bytes); it ended rather than skip messages. */
  RECEIVE_BUFFER_FULL: 'RECEIVE_BUFFER_FULL',
  /** A queued message found no open connection within its time-to-live. */
  SEND_TIMEOUT: 'SEND_TIMEOUT',
  /** The socket refused a write while open. */
  SEND_FAILED: 'SEND_FAILED',
  /** A message that cannot be encoded as a frame (`undefined`, a function, a symbol, a cycle…). */
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  /** A 401 on a request whose body cannot be sent twice (a consumed stream). */
  NOT_REPLAYABLE: 'NOT_REPLAYABLE',
  /** The gateway answered something the protocol does not allow. */
  GATEWAY_PROTOCOL: 'GATEWAY_PROTOCOL',
  /** The caller aborted (an `AbortSignal`). */
  ABORTED: 'ABORTED',
  /** A token store (Redis, a file) could not be read, written or locked; the manager goes on without it. */
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  /** Something failed that has no code of its own; `cause` says what. */
  UNEXPECTED: 'UNEXPECTED',
} as const;

/** Stable error codes, safe to switch on. */
export type AuthErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface AuthErrorOptions {
  code: AuthErrorCode;
  /** May the same call succeed later without a change of credentials? Default `false`. */
  retryable?: boolean;
  cause?: unknown;
}

/** Marks this library's errors across copies of the package (two versions installed, CJS beside ESM). */
const BRAND = Symbol.for('axios-ws-auth.error');

/** Base class of every error this library throws. */
export class AuthError extends Error {
  override name = 'AuthError';
  readonly code: AuthErrorCode;
  /** `true` when trying again later may succeed (network, timeout, 5xx). */
  readonly retryable: boolean;

  constructor(message: string, options: AuthErrorOptions) {
    // Sanitised whoever builds the error: an axios error as cause would carry the request's form body.
    super(message, options.cause === undefined ? undefined : { cause: safeCause(options.cause) });
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for any error thrown by axios-ws-auth (any copy of it): narrow, then switch on `code`. */
export function isAxiosWsAuthError(error: unknown): error is AuthError {
  return typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true;
}

export interface TokenRequestErrorOptions extends Omit<AuthErrorOptions, 'code'> {
  /** Default `TOKEN_REQUEST_FAILED`. */
  code?: AuthErrorCode;
  /** HTTP status of the token endpoint's answer, when there was one. */
  status?: number;
  /** The OAuth `error` field (`invalid_grant`, `invalid_client`, …). */
  oauthError?: string;
  /** The OAuth `error_description` field. */
  errorDescription?: string;
}

/** The token endpoint (or a custom grant, or discovery) failed or answered something unusable. */
export class TokenRequestError extends AuthError {
  override name = 'TokenRequestError';
  readonly status: number | undefined;
  readonly oauthError: string | undefined;
  readonly errorDescription: string | undefined;

  constructor(message: string, options: TokenRequestErrorOptions = {}) {
    super(message, { ...options, code: options.code ?? ErrorCodes.TOKEN_REQUEST_FAILED });
    this.status = options.status;
    this.oauthError = options.oauthError;
    this.errorDescription = options.errorDescription;
  }

  /**
   * The server refused the grant itself (`invalid_grant`, `invalid_client`,
   * 400/401): trying the same credentials again will not help.
   */
  get rejected(): boolean {
    return this.code === ErrorCodes.TOKEN_REQUEST_FAILED && !this.retryable && (this.oauthError !== undefined || this.status === 400 || this.status === 401);
  }
}

/**
 * A bad option (`INVALID_OPTIONS`) or configuration file (`CONFIG_INVALID`);
 * `key` names the culprit, `line` its line in the file.
 */
export class ConfigError extends AuthError {
  override name = 'ConfigError';
  readonly key: string | undefined;
  readonly line: number | undefined;

  constructor(message: string, details: { key?: string; line?: number; cause?: unknown; code?: typeof ErrorCodes.INVALID_OPTIONS | typeof ErrorCodes.CONFIG_INVALID } = {}) {
    super(message, { code: details.code ?? ErrorCodes.CONFIG_INVALID, cause: details.cause });
    this.key = details.key;
    this.line = details.line;
  }
}

/** A bad option given to `component` (e.g. `'AuthManager'`): `ConfigError` with code `INVALID_OPTIONS`. */
export function invalidOption(component: string, key: string, problem: string): ConfigError {
  return new ConfigError(`${component}: options.${key} ${problem}`, { key, code: ErrorCodes.INVALID_OPTIONS });
}

/** A send or wait on a channel that has ended. */
export class ChannelClosedError extends AuthError {
  override name = 'ChannelClosedError';
  constructor(message = 'the session channel is closed', options: Partial<AuthErrorOptions> = {}) {
    super(message, { ...options, code: options.code ?? ErrorCodes.CHANNEL_CLOSED });
  }
}

/** The channel's send queue is at its bound; the message was not queued. */
export class QueueFullError extends AuthError {
  override name = 'QueueFullError';
  constructor(limit: number) {
    super(`send queue is full (${limit} messages waiting for the connection)`, { code: ErrorCodes.QUEUE_FULL, retryable: true });
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
