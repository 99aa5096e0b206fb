/** How a client authenticated (the names of RFC 8414's `token_endpoint_auth_methods_supported`). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** Every method accepted, as announced in the metadata. */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];

/** The client a request authenticated as, or why it could not. */
export type ClientAuthentication = { ok: true; clientId: string; method: ClientAuthMethod; isPublic: boolean } | { ok: false; description: string };

/**
 * Client authentication at the token endpoint (RFC 6749 §2.3): HTTP Basic, or
 * `client_id`/`client_secret` form fields. A public client (secret `''`) is
 * taken at its word, whatever secret it sends.
 */
export class ClientAuthenticator {
  constructor(private readonly clients: Record<string, string>) {}

  /** Authenticates a request over HTTP (the same as `authenticate`, for now). */
  async authenticateRequest(form: URLSearchParams, authorization: string | undefined): Promise<ClientAuthentication> {
    return this.authenticate(form, authorization);
  }

  /** Authenticates a request answered without HTTP. */
  authenticate(form: URLSearchParams, authorization: string | undefined): ClientAuthentication {
    const basic = authorization !== undefined && /^basic /i.test(authorization);
    const { id, secret } = basic ? basicCredentials(authorization) : { id: form.get('client_id') ?? '', secret: form.get('client_secret') ?? '' };
    const registered = Object.hasOwn(this.clients, id) ? this.clients[id] : undefined;
    if (registered === undefined || (registered !== '' && registered !== secret)) return { ok: false, description: 'unknown client or wrong secret' };
    const method: ClientAuthMethod = basic ? 'client_secret_basic' : secret !== '' ? 'client_secret_post' : 'none';
    return { ok: true, clientId: id, method, isPublic: registered === '' };
  }
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
function basicCredentials(authorization: string): { id: string; secret: string } {
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const part = (text: string) => {
    try {
      return decodeURIComponent(text.replace(/\+/g, ' '));
    } catch {
      return text;
    }
  };
  return colon === -1 ? { id: part(decoded), secret: '' } : { id: part(decoded.slice(0, colon)), secret: part(decoded.slice(colon + 1)) };
}
