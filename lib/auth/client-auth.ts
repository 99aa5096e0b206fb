import { SignJWT } from 'jose';
import { toBase64, toBase64Url } from './base64';
import type { EndpointSettings } from './normalize-options';
import type { ClientAuthMethod } from './options';
import { INSPECT } from './printable';
import { prepareKey, type PreparedKey } from './signing-key';

/** What jose's `sign()` takes (named here only: no declaration file may name jose's types). */
type JoseKey = Parameters<SignJWT['sign']>[0];

/** How long a client assertion is good for: long enough for one request, too short to be worth stealing. */
const ASSERTION_LIFETIME_S = 60;

/** What a request to the authorization server carries to authenticate the client. */
export interface ClientCredentials {
  headers: Record<string, string>;
  params: Record<string, string>;
}

/**
 * The client's authentication for one request (RFC 6749 §2.3, RFC 7523 §2.2):
 * its secret in the body or as Basic, or a JWT assertion signed afresh for
 * each request (a new `jti`, `exp` a minute away), so a server that refuses a
 * replayed `jti` never sees one.
 */
export class ClientAuthenticator {
  private key: Promise<PreparedKey> | undefined;

  constructor(private readonly settings: EndpointSettings) {}

  toJSON(): string {
    return '[ClientAuthenticator]';
  }

  [INSPECT](): string {
    return '[ClientAuthenticator]';
  }

  async credentials(method: ClientAuthMethod, audience: string): Promise<ClientCredentials> {
    const { clientId, clientSecret } = this.settings;
    if (method === 'basic') {
      // RFC 6749 §2.3.1: each part form-encoded before joining.
      const pair = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret ?? '')}`;
      return { headers: { Authorization: `Basic ${toBase64(new TextEncoder().encode(pair))}` }, params: {} };
    }
    if (method === 'body') return { headers: {}, params: { client_id: clientId, ...(clientSecret && { client_secret: clientSecret }) } };
    const assertion = await this.assertion(method, audience);
    return {
      headers: {},
      params: { client_id: clientId, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion },
    };
  }

  private async assertion(method: 'private_key_jwt' | 'client_secret_jwt', audience: string): Promise<string> {
    const { clientId, clientSecret, keyId, assertionHeaders } = this.settings;
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({})
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setJti(randomId())
      .setIssuedAt(now)
      .setExpirationTime(now + ASSERTION_LIFETIME_S);
    if (method === 'client_secret_jwt') {
      return jwt.setProtectedHeader({ ...assertionHeaders, alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(clientSecret ?? ''));
    }
    this.key ??= prepareKey(this.settings.privateKey!).catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    const { key, alg } = await this.key;
    const kid = keyId ?? (this.settings.privateKey as { kid?: unknown }).kid;
    return jwt.setProtectedHeader({ ...assertionHeaders, alg, typ: 'JWT', ...(typeof kid === 'string' && { kid }) }).sign(key as JoseKey);
  }
}

/** 128 random bits, base64url: a `jti` no server will have seen. */
export function randomId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}
