import { tokenTransport } from './token-transport.node';
import axios, { type AxiosInstance } from 'axios';
import { TokenRequestError, safeCause } from '../errors';
import { toBase64 } from './base64';
import { withDeadline } from './deadline';

/** How the client authenticates itself to the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuthMethod = 'body' | 'basic';

export interface TokenEndpointOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  clientAuth: ClientAuthMethod;
  timeoutMs: number;
}

/** The largest token response read: a token set is a few kB; anything else is cut off, not buffered. */
export const MAX_TOKEN_RESPONSE_BYTES = 256 * 1024;

/**
 * Posts RFC 6749 form-encoded grants to the token endpoint on an axios
 * instance of its own, so a refresh never passes through the interceptors it
 * serves and can never wait on itself.
 */
export class TokenEndpoint {
  private readonly http: AxiosInstance;

  constructor(private readonly options: TokenEndpointOptions) {
    this.http = axios.create({
      // Bodies are parsed here, status by status; axios must neither throw on 4xx nor parse.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      // Never follow a redirect with the form body (it holds the password or client secret), whatever
      // adapter is used: Node's http adapter obeys maxRedirects; fetch needs 'manual'.
      ...tokenTransport(axios.defaults.adapter),
      maxRedirects: 0,
      fetchOptions: { redirect: 'manual' },
      maxContentLength: MAX_TOKEN_RESPONSE_BYTES,
    });
  }

  /** Sends one grant; resolves to the parsed JSON body of a 2xx answer. */
  async request(params: Record<string, string | undefined>): Promise<unknown> {
    const { tokenUrl, clientId, clientSecret, clientAuth } = this.options;
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value !== undefined) form.set(key, value);
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    };
    if (clientAuth === 'basic') {
      const pair = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret ?? '')}`;
      headers['Authorization'] = `Basic ${toBase64(new TextEncoder().encode(pair))}`;
    } else {
      form.set('client_id', clientId);
      if (clientSecret) form.set('client_secret', clientSecret);
    }

    let status: number;
    let text: string;
    let contentType: string;
    let location: string;
    try {
      const response = await withDeadline(
        this.options.timeoutMs,
        (signal) => this.http.post<unknown>(tokenUrl, form.toString(), { headers, signal }),
        () => new TokenRequestError(`token request timed out after ${this.options.timeoutMs} ms`, { code: 'TOKEN_REQUEST_TIMEOUT', retryable: true }),
      );
      status = response.status;
      // A custom adapter (axios-mock-adapter) may hand back parsed JSON instead of text.
      text = typeof response.data === 'string' ? response.data : response.data == null ? '' : JSON.stringify(response.data);
      contentType = String(response.headers['content-type'] ?? '');
      location = originOf(response.headers['location']);
    } catch (error) {
      if (error instanceof TokenRequestError) throw error;
      if (/maxContentLength/.test(safeCause(error).message)) {
        throw new TokenRequestError(`invalid token response: larger than ${MAX_TOKEN_RESPONSE_BYTES} bytes; cut off`, { code: 'INVALID_TOKEN_RESPONSE', retryable: true });
      }
      // A network error: the axios error's config holds the form body, so only a summary is kept.
      throw new TokenRequestError(`token endpoint unreachable: ${safeCause(error).message}`, {
        code: 'TOKEN_ENDPOINT_UNREACHABLE',
        retryable: true,
        cause: safeCause(error),
      });
    }
    return parseAnswer(status, text, contentType, location);
  }
}

function parseAnswer(status: number, text: string, contentType: string, location: string): unknown {
  if ((status >= 300 && status < 400) || status === 0) {
    // A misconfigured tokenUrl (http → https, a login page), not refused credentials: no retry helps, no 'error' event.
    throw new TokenRequestError(`token endpoint answered a redirect (HTTP ${status}${location ? ` to ${location}` : ''}); check tokenUrl — the request was not followed`, {
      code: 'TOKEN_ENDPOINT_REDIRECT',
      status,
    });
  }
  let body: unknown;
  let isJson = true;
  try {
    body = JSON.parse(text);
  } catch {
    isJson = false;
  }
  if (status >= 200 && status < 300) {
    if (!isJson) {
      throw new TokenRequestError(
        `invalid token response: HTTP ${status} with a body that is not JSON (content-type ${contentType || 'none'})`,
        { code: 'INVALID_TOKEN_RESPONSE', status, retryable: true },
      );
    }
    return body;
  }
  const oauth = isJson && body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const oauthError = typeof oauth['error'] === 'string' ? oauth['error'] : undefined;
  const errorDescription = typeof oauth['error_description'] === 'string' ? oauth['error_description'] : undefined;
  // 5xx, 429 and 408 are the server's trouble: the grant itself was not judged.
  const retryable = status >= 500 || status === 429 || status === 408;
  const detail = oauthError ? `${oauthError}${errorDescription ? `: ${errorDescription}` : ''}` : `HTTP ${status}`;
  throw new TokenRequestError(`token endpoint refused the request (${detail})`, {
    status,
    retryable,
    ...(oauthError !== undefined && { oauthError }),
    ...(errorDescription !== undefined && { errorDescription }),
  });
}

/** Only the origin of a redirect's target: its path or query may carry anything. */
function originOf(value: unknown): string {
  try {
    return typeof value === 'string' ? new URL(value).origin : '';
  } catch {
    return '';
  }
}
