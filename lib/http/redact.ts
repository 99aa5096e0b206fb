import { fingerprint } from '../auth/token-set';

type Holder = { config?: { headers?: unknown }; request?: unknown };

/**
 * Takes the credentials this library added out of an axios error before it
 * reaches the caller, who may well log it. The error gets a copy of its config
 * whose credential headers are a fingerprint (the original config, which a mock
 * adapter's history may hold, is left alone), and the raw `request` (whose
 * `_header` text repeats them) stays but is no longer enumerable, so
 * `util.inspect` and `JSON.stringify` skip it.
 */
export function redactCredentials<E>(error: E, headerNames: readonly string[]): E {
  const target = error as Holder & { response?: Holder };
  const config = target.config;
  if (config && typeof config === 'object') {
    const redacted = { ...config, headers: redactedHeaders(config.headers, headerNames) };
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
    const redacted = `[redacted ${fingerprint(value.replace(/^Bearer\s+/i, ''))}]`;
    if (typeof copy.set === 'function') copy.set(name, redacted);
    else copy[name] = redacted;
  }
  return copy;
}

function hide(holder: object, key: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(holder, key);
  if (descriptor?.enumerable) Object.defineProperty(holder, key, { ...descriptor, enumerable: false });
}
