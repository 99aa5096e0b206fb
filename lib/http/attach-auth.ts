import { CanceledError, type AxiosError } from 'axios';
import { AuthError, ConfigError, ErrorCodes, isAxiosWsAuthError } from '../errors';
import { unlessAborted } from './abortable';
import { normalizeAttachOptions, type AttachSettings } from './options';
import { readDpopAnswer, type DpopAnswer } from '../auth/dpop-answer';
import { NONCE_REPLAYS, nonceReplays, requestTarget } from './dpop-challenge';
import { controlRedirects, redirectToFollow, withoutHeaders } from './fetch-redirects';
import { guardRedirects, redirectGuard } from './redirect-guard';
import { redactCredentials } from './redact';
import { isReplayableBody } from './request-body';
import { originOf, requestOrigin } from './request-origin';
import type { AttachAuthOptions, AuthRequestConfig, AuthSource, AxiosInstanceLike, DetachAuth, ResponseLike } from './types';
import './axios-augmentation';

/**
 * How many times a request has been replayed. It must survive axios's
 * `mergeConfig` (a replay is a new config object): every axios 1.x keeps
 * unknown string keys, while symbol keys survive only from 1.19 on.
 */
const REPLAYS = 'axiosWsAuthReplays';

/** What a request carried: the Bearer or DPoP token (`null` for a header with nothing to refresh, an API key), the header names set, and whether a DPoP proof went along. */
interface Carried {
  token: string | null;
  headerNames: string[];
  dpop: boolean;
}

/** What a Bearer request's answer says of DPoP: nothing (its headers are never read for it). */
const NO_DPOP: DpopAnswer = { nonce: undefined, wantsNonce: false, badProof: false };

/**
 * Installs a request interceptor that adds `auth`'s credentials to requests
 * bound for the allowed origins, and a response interceptor that answers a
 * 401 with one shared refresh and a replay. Returns `detach()`.
 *
 * @example
 * const api = axios.create({ baseURL: 'https://api.example.com' });
 * const detach = attachAuth(api, auth);
 * await api.get('/sessions');          // Bearer token added, 401 → refresh → replay
 * await api.get('/health', { skipAuth: true });
 */
export function attachAuth<C extends AuthRequestConfig, R extends ResponseLike>(instance: AxiosInstanceLike<C, R>, auth: AuthSource, options?: AttachAuthOptions): DetachAuth {
  if (typeof auth?.getAuthHeaders !== 'function' || typeof auth.handleUnauthorized !== 'function') {
    throw new ConfigError('attachAuth: auth must be an AuthManager (getAuthHeaders, handleUnauthorized)', { key: 'auth', code: 'INVALID_OPTIONS' });
  }
  const settings = normalizeAttachOptions(options, instance.defaults.baseURL);

  let lastHeaders: Readonly<Record<string, string>> | undefined;
  let lastCarried: Carried | undefined;
  // A manager's header names never change, so one hook serves every request.
  const redirectHook = redirectGuard(() => lastCarried?.headerNames ?? [], (origin) => isAllowedOrigin(origin, instance, settings));
  // What each outgoing config carried (it holds the token: kept off the config, which callers log).
  const carriedBy = new WeakMap<object, Carried>();
  const credit = (config: C, headers: Readonly<Record<string, string>>): C => {
    setHeaders(config, headers);
    // The manager hands out the same headers object while a token lasts: so does this.
    if (headers !== lastHeaders) lastCarried = carriedOf(headers);
    lastHeaders = headers;
    carriedBy.set(config, lastCarried!);
    guardRedirects(config, redirectHook);
    controlRedirects(config, lastCarried!.headerNames);
    return config;
  };
  const requestId = instance.interceptors.request.use((config) => {
    if (config.skipAuth === true || !mayReceiveCredentials(config, instance, settings)) return config;
    // The common case needs no wait at all: a good token's headers, handed over synchronously.
    const ready = auth.currentAuthHeaders?.();
    if (ready) return credit(config, ready);
    // The method and URL bind a DPoP proof; a Bearer manager ignores them.
    return unlessAborted(auth.getAuthHeaders(requestTarget(config)), config.signal, () => canceled(config)).then((headers) => credit(config, headers));
  });

  const responseId = instance.interceptors.response.use((response: R) => {
    const config = response.config as C | undefined;
    const carried = config && carriedBy.get(config);
    // A 3xx the caller's validateStatus let through, from a fetch we stopped at redirects.
    const hop = config && redirectToFollow(config, response, carried?.headerNames ?? []);
    if (hop) return instance.request(hop) as Promise<R>;
    if (config && carried?.dpop) rememberNonce(auth, config, response);
    // A token the server accepted: its later refusal is an expiry, not a sign that every token is refused.
    if (carried?.token) auth.tokenAccepted?.(carried.token);
    return response;
  }, async (error: unknown) => {
    const config = failedConfig<C>(error);
    const sent = config && carriedBy.get(config);
    const hop = config && redirectToFollow(config, (error as { response?: unknown }).response, sent?.headerNames ?? []);
    if (hop) return instance.request(hop);
    if (!config || !sent) throw error;
    // Whatever goes back to the caller goes without the credentials we added.
    const giveBack = (returned: unknown = error) => redactCredentials(returned, sent.headerNames);
    // RFC 9449 §9: a resource server that wants a nonce gets the same request once more, with a new proof: not a 401 refresh.
    const dpop = sent.dpop ? rememberNonce(auth, config, (error as { response?: unknown }).response) : NO_DPOP;
    // A replay goes without what this attempt carried: the interceptor signs anew, and nothing stale can leak meanwhile.
    const again = (marks: Record<string, number>) => instance.request({ ...config, headers: withoutHeaders(config.headers, sent.headerNames), ...marks });
    if (dpop.wantsNonce && dpop.nonce !== undefined && nonceReplays(config) === 0 && isReplayableBody(config.data)) return again({ [NONCE_REPLAYS]: 1 });
    // A second challenge in a row (nonces moving faster than answers), or a proof refused as such: a new token would not help.
    if (dpop.wantsNonce || dpop.badProof) throw giveBack();
    if (!settings.isUnauthorized(error as AxiosError)) throw giveBack();
    const { token } = sent;
    if (token === null) {
      // An API key has nothing to refresh: count the 401, hand it back untouched.
      await auth.handleUnauthorized().catch(() => undefined);
      throw giveBack();
    }
    const replays = replayCount(config);
    const replayable = isReplayableBody(config.data);
    if (replays >= settings.maxRetries || !wantsRetry(config, settings) || !replayable) {
      // A first 401 not replayed still marks the token bad: refresh in the background so the next
      // request waits for a good one. (After a replay the token was fresh: no refresh per request.)
      if (replays === 0) auth.handleUnauthorized(token).catch(() => undefined);
      throw giveBack(replayable ? error : explainNotReplayable(error));
    }
    try {
      // Rejects with the manager's own AuthError when authentication failed for good.
      await unlessAborted(auth.handleUnauthorized(token), config.signal, () => redactCredentials(canceled(config), sent.headerNames));
    } catch (failure) {
      // A fresh token refused again: the server's own 401 goes back (with the reason), not another token request.
      if (isAxiosWsAuthError(failure) && failure.code === ErrorCodes.AUTH_FAILED && failure.retryable) throw giveBack(withCause(error, failure));
      throw failure;
    }
    return again({ [REPLAYS]: replays + 1 });
  });

  let attached = true;
  return () => {
    if (!attached) return;
    attached = false;
    instance.interceptors.request.eject(requestId);
    instance.interceptors.response.eject(responseId);
  };
}

function mayReceiveCredentials(config: AuthRequestConfig, instance: { defaults: { baseURL?: unknown } }, settings: AttachSettings): boolean {
  const origin = requestOrigin(config);
  return origin !== undefined && isAllowedOrigin(origin, instance, settings);
}

function isAllowedOrigin(origin: string, instance: { defaults: { baseURL?: unknown } }, settings: AttachSettings): boolean {
  if (settings.origins) return settings.origins.has(origin);
  // Read live, so a baseURL changed after attaching moves the credentials with it.
  const base = instance.defaults.baseURL;
  return typeof base === 'string' && originOf(base) === origin;
}

function wantsRetry(config: AuthRequestConfig, settings: AttachSettings): boolean {
  return typeof config.retryOn401 === 'boolean' ? config.retryOn401 : settings.retryOn401;
}

function replayCount(config: object): number {
  const value = (config as { [REPLAYS]?: unknown })[REPLAYS];
  return typeof value === 'number' ? value : 0;
}

function setHeaders(config: AuthRequestConfig, headers: Record<string, string>): void {
  const target = config.headers as { set?: (name: string, value: string) => unknown } | Record<string, unknown> | undefined;
  if (target && typeof target.set === 'function') {
    for (const [name, value] of Object.entries(headers)) target.set(name, value);
  } else {
    // axios 1.x before AxiosHeaders reached interceptors: a plain object.
    config.headers = { ...target, ...headers };
  }
}

/** A nonce a server sent is passed to the manager (every answer to a DPoP request may carry one: a 200 too). */
function rememberNonce(auth: AuthSource, config: AuthRequestConfig, response: unknown): DpopAnswer {
  const answer = readDpopAnswer(response);
  const url = answer.nonce === undefined ? '' : requestTarget(config).url;
  if (url !== '') auth.rememberDpopNonce?.(url, answer.nonce!);
  return answer;
}

function carriedOf(headers: Record<string, string>): Carried {
  let token: string | null = null;
  let dpop = false;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'dpop') dpop = true;
    const match = lower === 'authorization' ? /^(?:Bearer|DPoP)\s+(\S+)$/i.exec(value) : null;
    if (match?.[1] !== undefined) token = match[1];
  }
  return { token, headerNames: Object.keys(headers), dpop };
}

/** The config of an axios error, when there is one (errors from both axios builds qualify). */
function failedConfig<C>(error: unknown): (C & AuthRequestConfig) | undefined {
  const candidate = error as { isAxiosError?: unknown; config?: unknown } | null;
  if (candidate?.isAxiosError !== true || typeof candidate.config !== 'object' || candidate.config === null) return undefined;
  return candidate.config as C & AuthRequestConfig;
}

/** What axios itself throws for an aborted request, so `axios.isCancel(error)` holds. */
function canceled(config: AuthRequestConfig): Error {
  const error = new CanceledError('canceled while waiting for authentication');
  (error as { config?: unknown }).config = config;
  return error;
}

function withCause(error: unknown, cause: AuthError): unknown {
  (error as { cause?: unknown }).cause = cause;
  return error;
}

function explainNotReplayable(error: unknown): unknown {
  const explanation = new AuthError(
    'the server answered 401 and a token refresh has started, but this request was not replayed: its body is a stream that the first attempt consumed. ' +
      'Send a string, Buffer or object body to get an automatic replay, or repeat the request yourself.',
    { code: 'NOT_REPLAYABLE' },
  );
  (error as { cause?: unknown }).cause = explanation;
  return error;
}
