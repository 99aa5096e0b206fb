import { createHash, randomUUID } from 'node:crypto';

import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

/**
 * Hand-made DPoP proofs and client assertions for tests that check the harness (or a server's
 * refusals) without the library: each one built the way RFC 9449 and RFC 7523 say, with knobs
 * to break exactly one thing.
 */

export interface DpopKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** RFC 7638 thumbprint of publicJwk: the access token's cnf.jkt. */
  thumbprint: string;
}

export async function generateDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicJwk = await exportJWK(publicKey);
  return { privateKey, publicJwk, thumbprint: await calculateJwkThumbprint(publicJwk) };
}

export interface ProofOptions {
  nonce?: string;
  /** Adds ath = base64url(SHA-256(accessToken)). */
  accessToken?: string;
  jti?: string;
  /** Seconds since the epoch; now by default. */
  iat?: number;
}

/** A DPoP proof (typ dpop+jwt, ES256, the public jwk in the header) for `htm` `htu`. */
export function dpopProof(key: DpopKey, htm: string, htu: string, options: ProofOptions = {}): Promise<string> {
  return new SignJWT({
    htm,
    htu,
    ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
    ...(options.accessToken !== undefined ? { ath: createHash('sha256').update(options.accessToken).digest('base64url') } : {}),
  })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk })
    .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
    .setJti(options.jti ?? randomUUID())
    .sign(key.privateKey);
}

export interface AssertionOptions {
  clientId: string;
  /** The issuer or the token endpoint URL: oidc-provider v8 accepts either (or the endpoint the assertion is sent to). */
  audience: string;
  /** private_key_jwt: the client's private JWK (its kid goes in the header). */
  privateJwk?: JWK & { kid?: string };
  /** client_secret_jwt: the client secret, as the HS256 key. */
  secret?: string;
  jti?: string;
  /** Lifetime in seconds (60 by default). */
  ttlS?: number;
}

/** An RFC 7523 client assertion: iss = sub = client_id, aud, a fresh jti, a short exp. */
export async function clientAssertion(options: AssertionOptions): Promise<string> {
  const jwt = new SignJWT({})
    .setIssuer(options.clientId)
    .setSubject(options.clientId)
    .setAudience(options.audience)
    .setJti(options.jti ?? randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${options.ttlS ?? 60}s`);
  if (options.privateJwk) {
    const alg = options.privateJwk.alg ?? 'ES256';
    return jwt
      .setProtectedHeader({ alg, ...(options.privateJwk.kid ? { kid: options.privateJwk.kid } : {}) })
      .sign(await importJWK(options.privateJwk, alg));
  }
  if (options.secret === undefined) throw new Error('clientAssertion needs a privateJwk or a secret');
  return jwt.setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(options.secret));
}

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
