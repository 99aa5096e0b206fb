import { tokenTransport } from './token-transport.node';
import axios, { type AxiosInstance } from 'axios';
import { AuthError, TokenRequestError, safeCause, type AuthErrorCode } from '../errors';
import { withDeadline } from './deadline';
import { isDpopNonce } from './dpop-answer';

/** The largest answer read from an authorization server: a token set or a metadata document is a few kB; anything else is cut off, not buffered. */
export const MAX_TOKEN_RESPONSE_BYTES = 256 * 1024;

/** An authorization server's answer, before anyone judged it. */
export interface RawAnswer {
  status: number;
  text: string;
  contentType: string;
  /** Only the origin of a redirect's target: its path or query may carry anything. */
  location: string;
  /** RFC 9449 §8: a server nonce for the next DPoP proof. */
  dpopNonce: string | undefined;
  /** `Retry-After` in seconds, when it is a number. */
  retryAfterS: number | undefined;
}

/** One request to an authorization server (token, revocation, device or discovery endpoint). */
export interface OAuthRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  form?: URLSearchParams;
  /** What is being called, for messages: `token endpoint`, `discovery`… */
  what: string;
  /** The code of a transport failure (unreachable, timed out, too large). Default per failure. */
  failureCode?: AuthErrorCode;
  /** Ends the request at once (`ABORTED`): a device authorization given up. */
  signal?: AbortSignal;
}

/**
 * Talks to the authorization server on an axios instance of its own, so a
 * refresh never passes through the interceptors it serves and can never wait
 * on itself. Never follows a redirect (the form holds the password or client
 * secret), whatever the adapter; every call has a deadline and a size cap.
 */
export class OAuthHttp {
  private readonly http: AxiosInstance;

  constructor(private readonly timeoutMs: number) {
    this.http = axios.create({
      // Bodies are parsed by the caller, status by status; axios must neither throw on 4xx nor parse.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      // Node's http adapter obeys maxRedirects; fetch needs 'manual'.
      ...tokenTransport(axios.defaults.adapter),
      maxRedirects: 0,
      fetchOptions: { redirect: 'manual' },
      maxContentLength: MAX_TOKEN_RESPONSE_BYTES,
    });
  }

  async send({ method, url, headers, form, what, failureCode, signal: caller }: OAuthRequest): Promise<RawAnswer> {
    try {
      if (caller?.aborted) throw aborted(what);
      const response = await withDeadline(
        this.timeoutMs,
        (deadline) => this.http.request<unknown>({ method, url, headers, signal: caller ? AbortSignal.any([deadline, caller]) : deadline, ...(form && { data: form.toString() }) }),
        () => new TokenRequestError(`${what} timed out after ${this.timeoutMs} ms`, { code: failureCode ?? 'TOKEN_REQUEST_TIMEOUT', retryable: true }),
      );
      const nonce = response.headers['dpop-nonce'];
      return {
        status: response.status,
        // A custom adapter (axios-mock-adapter) may hand back parsed JSON instead of text.
        text: typeof response.data === 'string' ? response.data : response.data == null ? '' : JSON.stringify(response.data),
        contentType: String(response.headers['content-type'] ?? ''),
        location: originOf(response.headers['location']),
        dpopNonce: isDpopNonce(nonce) ? nonce : undefined,
        retryAfterS: /^\d{1,6}$/.test(String(response.headers['retry-after'] ?? '')) ? Number(response.headers['retry-after']) : undefined,
      };
    } catch (error) {
      if (error instanceof TokenRequestError) throw error;
      if (caller?.aborted) throw aborted(what);
      if (/maxContentLength/.test(safeCause(error).message)) {
        throw new TokenRequestError(`invalid answer from the ${what}: larger than ${MAX_TOKEN_RESPONSE_BYTES} bytes; cut off`, { code: failureCode ?? 'INVALID_TOKEN_RESPONSE', retryable: true });
      }
      // A network error: the axios error's config holds the form body, so only a summary is kept.
      throw new TokenRequestError(`${what} unreachable: ${safeCause(error).message}`, { code: failureCode ?? 'TOKEN_ENDPOINT_UNREACHABLE', retryable: true, cause: safeCause(error) });
    }
  }
}

function aborted(what: string): AuthError {
  return new AuthError(`the request to the ${what} was aborted`, { code: 'ABORTED' });
}

/** The parsed JSON body, or `undefined` when it is not JSON. */
export function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function originOf(value: unknown): string {
  try {
    return typeof value === 'string' ? new URL(value).origin : '';
  } catch {
    return '';
  }
}
