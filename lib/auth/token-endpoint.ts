import { TokenRequestError } from '../errors';
import { ClientAuthenticator } from './client-auth';
import { Discovery } from './discovery';
import type { DpopProver } from './dpop';
import type { EndpointSettings } from './normalize-options';
import { OAuthHttp, jsonOf, type RawAnswer } from './oauth-http';
import type { ClientAuthMethod, Logger } from './options';
import { INSPECT } from './printable';

/** The authorization server's endpoints and what the client uses with them: configured, or discovered once. */
export interface Located {
  issuer?: string;
  tokenUrl: string;
  revocationUrl?: string;
  deviceAuthorizationUrl?: string;
  clientAuth: ClientAuthMethod;
  dpopAlgs?: readonly string[];
}

/** Our names of the RFC 8414 client authentication methods. */
const METHOD_NAMES: Record<ClientAuthMethod, string> = { basic: 'client_secret_basic', body: 'client_secret_post', private_key_jwt: 'private_key_jwt', client_secret_jwt: 'client_secret_jwt' };

/**
 * The client's side of the authorization server: grants to the token
 * endpoint (with client authentication, `resource`/`audience`, and a DPoP
 * proof whose nonce challenge is answered once, silently), device
 * authorization requests and revocations. Each resolves to the answer's parsed body.
 */
export class TokenEndpoint {
  private readonly http: OAuthHttp;
  private readonly discovery: Discovery | undefined;
  private readonly client: ClientAuthenticator;
  private warnedMethod = false;

  constructor(
    private readonly settings: EndpointSettings,
    private readonly dpop: DpopProver | undefined,
    private readonly logger: Logger,
  ) {
    this.http = new OAuthHttp(settings.timeoutMs);
    this.discovery = settings.issuer === undefined ? undefined : new Discovery(settings.issuer, this.http);
    this.client = new ClientAuthenticator(settings);
  }

  /** The endpoints in use (a discovery the first time, with an issuer). */
  async locate(): Promise<Located> {
    const { settings } = this;
    if (!this.discovery) return { tokenUrl: settings.tokenUrl!, ...pick(settings), clientAuth: settings.clientAuth ?? 'body' };
    const metadata = await this.discovery.resolve();
    const located = { ...metadata, ...pick(settings), ...(settings.tokenUrl && { tokenUrl: settings.tokenUrl }) };
    return { ...located, clientAuth: this.chooseClientAuth(metadata.authMethods) };
  }

  /** Sends one grant (`resource` and `audience` added); resolves to the token response's body. */
  async request(params: Record<string, string | undefined>, signal?: AbortSignal): Promise<unknown> {
    const located = await this.locate();
    const { tokenUrl } = located;
    for (let attempt = 0; ; attempt++) {
      const proof = this.dpop && (await this.dpop.proof({ method: 'POST', url: tokenUrl }, located.dpopAlgs));
      const answer = await this.post(located, tokenUrl, 'token endpoint', this.withIndicators(params), proof ? { DPoP: proof } : {}, signal);
      if (answer.dpopNonce !== undefined) this.dpop?.rememberNonce(tokenUrl, answer.dpopNonce);
      // RFC 9449 §8: the server wants a nonce; the proof with it is not a second grant, and not a failure.
      const challenged = (answer.status === 400 || answer.status === 401) && answer.dpopNonce !== undefined && oauthErrorOf(answer) === 'use_dpop_nonce';
      if (proof && attempt === 0 && challenged) continue;
      return parseAnswer(answer, 'token endpoint');
    }
  }

  /** RFC 8628 §3.1: a device authorization request; resolves to its body. */
  async authorizeDevice(params: Record<string, string | undefined>, signal?: AbortSignal): Promise<unknown> {
    const located = await this.locate();
    if (located.deviceAuthorizationUrl === undefined) {
      throw new TokenRequestError('the authorization server has no device_authorization_endpoint; give deviceAuthorizationUrl', { code: 'DISCOVERY_FAILED' });
    }
    const answer = await this.post(located, located.deviceAuthorizationUrl, 'device authorization endpoint', this.withIndicators(params), {}, signal);
    return parseAnswer(answer, 'device authorization endpoint');
  }

  /**
   * RFC 7009: revokes one token; an unknown token is revoked too, as far as
   * the server will say (§2.2). A 503 is tried once more after its
   * `Retry-After` (at most 5 s, §2.2.1); `unsupported` is a server that does
   * not revoke this type of token.
   */
  async revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<'revoked' | 'unsupported'> {
    const located = await this.locate();
    if (located.revocationUrl === undefined) {
      throw new TokenRequestError('the authorization server has no revocation_endpoint; give revocationUrl', { code: 'DISCOVERY_FAILED' });
    }
    for (let attempt = 0; ; attempt++) {
      const answer = await this.post(located, located.revocationUrl, 'revocation endpoint', { token, token_type_hint: hint });
      if (answer.status >= 200 && answer.status < 300) return 'revoked';
      if (oauthErrorOf(answer) === 'unsupported_token_type') return 'unsupported';
      if (answer.status !== 503 || attempt > 0) parseAnswer(answer, 'revocation endpoint');
      await new Promise((resolve) => setTimeout(resolve, Math.min(answer.retryAfterS ?? 1, 5) * 1000));
    }
  }

  toJSON(): string {
    return '[TokenEndpoint]';
  }

  /** The settings hold the client secret and key: util.inspect shows the name only. */
  [INSPECT](): string {
    return '[TokenEndpoint]';
  }

  private async post(located: Located, url: string, what: string, params: Record<string, string | readonly string[] | undefined>, extraHeaders: Record<string, string> = {}, signal?: AbortSignal): Promise<RawAnswer> {
    const choice = this.settings.assertionAudience ?? 'token_endpoint';
    const audience = choice === 'token_endpoint' ? located.tokenUrl : choice === 'issuer' ? (located.issuer ?? located.tokenUrl) : choice === 'endpoint' ? url : choice;
    const credentials = await this.client.credentials(located.clientAuth, audience);
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries({ ...params, ...credentials.params })) {
      if (typeof value === 'string') form.set(key, value);
      else for (const entry of value ?? []) form.append(key, entry);
    }
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...credentials.headers, ...extraHeaders };
    return this.http.send({ method: 'POST', url, headers, form, what, ...(signal && { signal }) });
  }

  private withIndicators(params: Record<string, string | undefined>): Record<string, string | readonly string[] | undefined> {
    const { resource, audience } = this.settings;
    return { ...params, ...(resource.length > 0 && { resource }), ...(audience !== undefined && { audience }) };
  }

  /** The configured method, else the best the server lists (RFC 8414's default is `client_secret_basic`). */
  private chooseClientAuth(supported: readonly string[] | undefined): ClientAuthMethod {
    const { clientAuth, clientSecret } = this.settings;
    if (clientAuth !== undefined) {
      if (supported && !supported.includes(METHOD_NAMES[clientAuth]) && !this.warnedMethod) {
        this.warnedMethod = true;
        this.logger.warn('axios-ws-auth: the server does not list the configured client authentication method; using it anyway', { clientAuth, supported });
      }
      return clientAuth;
    }
    // A public client sends its client_id only (`none`).
    if (clientSecret === undefined || supported === undefined) return clientSecret === undefined ? 'body' : 'basic';
    const preferred = (['basic', 'body', 'client_secret_jwt'] as const).find((method) => supported.includes(METHOD_NAMES[method]));
    return preferred ?? 'basic';
  }
}

function pick(settings: EndpointSettings): Partial<Located> {
  const { revocationUrl, deviceAuthorizationUrl } = settings;
  return { ...(revocationUrl && { revocationUrl }), ...(deviceAuthorizationUrl && { deviceAuthorizationUrl }) };
}

function oauthErrorOf(answer: RawAnswer): string | undefined {
  const body = jsonOf(answer.text) as { error?: unknown } | undefined;
  return typeof body?.error === 'string' ? body.error : undefined;
}

function parseAnswer({ status, text, contentType, location }: RawAnswer, what: string): unknown {
  if ((status >= 300 && status < 400) || status === 0) {
    // A misconfigured URL (http → https, a login page), not refused credentials: no retry helps, no 'error' event.
    throw new TokenRequestError(`${what} answered a redirect (HTTP ${status}${location ? ` to ${location}` : ''}); check its URL — the request was not followed`, {
      code: 'TOKEN_ENDPOINT_REDIRECT',
      status,
    });
  }
  const body = jsonOf(text);
  const isJson = body !== undefined;
  if (status >= 200 && status < 300) {
    if (!isJson) {
      throw new TokenRequestError(`invalid answer from the ${what}: HTTP ${status} with a body that is not JSON (content-type ${contentType || 'none'})`, {
        code: 'INVALID_TOKEN_RESPONSE',
        status,
        retryable: true,
      });
    }
    return body;
  }
  const oauth = isJson && body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const oauthError = typeof oauth['error'] === 'string' ? oauth['error'].slice(0, 100) : undefined;
  const errorDescription = typeof oauth['error_description'] === 'string' ? oauth['error_description'].slice(0, 500) : undefined;
  // 5xx, 429 and 408 are the server's trouble: the grant itself was not judged.
  // A nonce challenge answered once already is a server that rotates nonces too fast: try again later, keep the refresh token.
  // A refused proof (a clock off by minutes, say) is no verdict on the refresh token either.
  const retryable = status >= 500 || status === 429 || status === 408 || oauthError === 'use_dpop_nonce' || oauthError === 'invalid_dpop_proof';
  const detail = oauthError ? `${oauthError}${errorDescription ? `: ${errorDescription}` : ''}` : `HTTP ${status}`;
  throw new TokenRequestError(`${what} refused the request (${detail})`, {
    status,
    retryable,
    ...(oauthError !== undefined && { oauthError }),
    ...(errorDescription !== undefined && { errorDescription }),
  });
}
