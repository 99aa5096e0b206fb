import type { JsonWebKeyInput } from '../auth/options';
import { decodeJwt, importJWK, jwtVerify, type JWK, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ReplayCache } from './replay-cache';

/** `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2). */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** How a client authenticated (the names of RFC 8414's `token_endpoint_auth_methods_supported`). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none' | 'client_secret_jwt' | 'private_key_jwt';

/** Every method accepted, as announced in the metadata. */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none', 'client_secret_jwt', 'private_key_jwt'];

/** Algorithms a client assertion may be signed with: HMAC with the secret (client_secret_jwt), or the client's registered key (private_key_jwt). */
export const ASSERTION_ALGORITHMS = {
  client_secret_jwt: ['HS256', 'HS384', 'HS512'],
  private_key_jwt: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'],
} as const;

/** The longest an assertion may live ahead (its `exp` from now), seconds; a little clock skew on top. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const CLOCK_SKEW_SECONDS = 5;

/** The client a request authenticated as, or why it could not. */
export type ClientAuthentication = { ok: true; clientId: string; method: ClientAuthMethod; isPublic: boolean } | { ok: false; description: string };

/** Counts kept by client authentication (token, revocation and device authorization endpoints together). */
export interface ClientAuthStats {
  byMethod: Record<ClientAuthMethod, number>;
  /** Authentications refused (`invalid_client`), replayed assertions included. */
  refused: number;
  /** Assertions refused because their `jti` was already used. */
  replayedAssertions: number;
}

const zeroStats = (): ClientAuthStats => ({ byMethod: { client_secret_basic: 0, client_secret_post: 0, none: 0, client_secret_jwt: 0, private_key_jwt: 0 }, refused: 0, replayedAssertions: 0 });

/**
 * Client authentication (RFC 6749 §2.3): HTTP Basic, `client_id`/`client_secret`
 * form fields, or a JWT assertion (RFC 7523): HMAC-signed with the client's
 * secret, or signed by the key registered in `clientKeys`. A public client
 * (secret `''`) is taken at its word, whatever secret it sends.
 */
export class ClientAuthenticator {
  private readonly seen = new ReplayCache();
  private counts = zeroStats();

  constructor(
    private readonly clients: Record<string, string>,
    private readonly keys: Record<string, JsonWebKeyInput> = {},
  ) {}

  /** Authenticates a request over HTTP; an assertion's `aud` must be one of `audiences`. */
  async authenticateRequest(form: URLSearchParams, authorization: string | undefined, audiences: readonly string[]): Promise<ClientAuthentication> {
    if (!form.has('client_assertion') && !form.has('client_assertion_type')) return this.authenticate(form, authorization);
    return this.count(await this.verifyAssertion(form, authorization, audiences));
  }

  /** Authenticates a request answered without HTTP (no assertions: they are verified asynchronously). */
  authenticate(form: URLSearchParams, authorization: string | undefined): ClientAuthentication {
    if (form.has('client_assertion')) return this.count({ ok: false, description: 'client assertions are verified over HTTP only' });
    const basic = authorization !== undefined && /^basic /i.test(authorization);
    const { id, secret } = basic ? basicCredentials(authorization) : { id: form.get('client_id') ?? '', secret: form.get('client_secret') ?? '' };
    const registered = Object.hasOwn(this.clients, id) ? this.clients[id] : undefined;
    if (registered === undefined || (registered !== '' && registered !== secret)) return this.count({ ok: false, description: 'unknown client or wrong secret' });
    const method: ClientAuthMethod = basic ? 'client_secret_basic' : secret !== '' ? 'client_secret_post' : 'none';
    return this.count({ ok: true, clientId: id, method, isPublic: registered === '' });
  }

  stats(): ClientAuthStats {
    return { ...this.counts, byMethod: { ...this.counts.byMethod } };
  }

  reset(): void {
    this.seen.clear();
    this.counts = zeroStats();
  }

  private count(outcome: ClientAuthentication): ClientAuthentication {
    if (outcome.ok) this.counts.byMethod[outcome.method]++;
    else this.counts.refused++;
    return outcome;
  }

  private async verifyAssertion(form: URLSearchParams, authorization: string | undefined, audiences: readonly string[]): Promise<ClientAuthentication> {
    const refuse = (description: string): ClientAuthentication => ({ ok: false, description });
    if (authorization !== undefined && /^basic /i.test(authorization)) return refuse('one client authentication method per request (RFC 6749 §2.3)');
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) return refuse(`client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
    const assertion = form.get('client_assertion') ?? '';
    let claims: JWTPayload;
    try {
      claims = decodeJwt(assertion);
    } catch {
      return refuse('client_assertion is not a JWT');
    }
    const id = typeof claims.sub === 'string' ? claims.sub : '';
    const named = form.get('client_id');
    if (named !== null && named !== id) return refuse('client_id is not the assertion sub');
    const jwk = Object.hasOwn(this.keys, id) ? this.keys[id] : undefined;
    const secret = Object.hasOwn(this.clients, id) ? this.clients[id] : undefined;
    const method = jwk !== undefined ? 'private_key_jwt' : secret ? 'client_secret_jwt' : undefined;
    if (method === undefined) return refuse('no key or secret is registered for this client');
    const key: JWTVerifyGetKey | Uint8Array = jwk !== undefined ? (header) => importJWK(jwk as JWK, header.alg) : new TextEncoder().encode(secret);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(assertion, key as JWTVerifyGetKey, { algorithms: [...ASSERTION_ALGORITHMS[method]], issuer: id, subject: id, audience: [...audiences], requiredClaims: ['exp', 'jti'] }));
    } catch (error) {
      return refuse(`client_assertion refused: ${(error as Error).message}`);
    }
    const exp = payload.exp ?? 0;
    if (exp - Date.now() / 1000 > MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) return refuse(`client_assertion exp is more than ${MAX_ASSERTION_LIFETIME_SECONDS} s away`);
    // RFC 7523 §3: a jti is used once; remembered until the assertion expires anyway.
    const seenKey = `${id} ${String(payload.jti)}`;
    if (this.seen.has(seenKey)) {
      this.counts.replayedAssertions++;
      return refuse('client_assertion replayed (its jti was used)');
    }
    this.seen.add(seenKey, (exp + CLOCK_SKEW_SECONDS) * 1000);
    return { ok: true, clientId: id, method, isPublic: false };
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
