import { fingerprint } from '../auth/token-set';
import { isReplayableBody } from './request-body';

type Holder = { config?: { headers?: unknown; data?: unknown }; request?: unknown };

/** Config fields that reach a sent request and its headers: a user's keep-alive agent keeps its last one on an idle socket. */
const REACHES_REQUEST = ['httpAgent', 'httpsAgent'] as const;

/**
 * Takes the credentials this library added out of an axios error before it
 * reaches the caller, who may well log it. The error gets a copy of its config
 * whose credential headers are a fingerprint (the original config, which a mock
 * adapter's history may hold, is left alone) and whose spent stream body (it
 * leads to the request it was piped into) is a placeholder. The raw `request`
 * (whose `_header` text repeats the headers) and the config's agents stay, as
 * getters that are not enumerable: `JSON.stringify` skips them and
 * `util.inspect`, even with `showHidden`, shows `[Getter]` without following.
 */
export function redactCredentials<E>(error: E, headerNames: readonly string[]): E {
  const target = error as Holder & { response?: Holder };
  const config = target.config;
  if (config && typeof config === 'object') {
    const redacted: Holder['config'] = { ...config, headers: redactedHeaders(config.headers, headerNames) };
    if (!isReplayableBody(config.data)) redacted.data = '[stream body, already sent]';
    for (const key of REACHES_REQUEST) hide(redacted, key);
    target.config = redacted;
    if (target.response?.config === config) target.response.config = redacted;
  }
  hide(target, 'request');
  if (target.response) hide(target.response, 'request');
  return error;
}

function redactedHeaders(headers: unknown, names: readonly string[]): unknown {
  if (!headers || typeof headers !== 'object') return headers;
  // AxiosHeaders copies itself through its constructor; a plain object by spreading.
  const HeadersClass = headers.constructor as (new (from: unknown) => object) | undefined;
  const copy = (HeadersClass && HeadersClass !== Object ? new HeadersClass(headers) : { ...headers }) as Record<string, unknown> & {
    get?: (name: string) => unknown;
    set?: (name: string, value: string) => unknown;
  };
  for (const name of names) {
    const value = typeof copy.get === 'function' ? copy.get(name) : copy[name];
    if (typeof value !== 'string' || value.startsWith('[redacted')) continue;
    const redacted = `[redacted ${fingerprint(value.replace(/^(?:Bearer|DPoP)\s+/i, ''))}]`;
    if (typeof copy.set === 'function') copy.set(name, redacted);
    else copy[name] = redacted;
  }
  return copy;
}

/** Keeps `holder[key]` readable, as a getter that neither JSON nor util.inspect walks into. */
function hide(holder: object, key: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(holder, key);
  if (!descriptor || (descriptor.get && !descriptor.enumerable)) return;
  let value: unknown = descriptor.get ? descriptor.get.call(holder) : descriptor.value;
  Object.defineProperty(holder, key, { get: () => value, set: (next: unknown) => void (value = next), enumerable: false, configurable: true });
}
