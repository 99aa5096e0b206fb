import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/** A client's DPoP key, signing proofs the way RFC 9449 §4.2 describes them. */
export interface DpopKey {
  alg: string;
  jwk: JWK;
  privateKey: CryptoKey;
  /** base64url SHA-256 thumbprint of `jwk` (RFC 7638): what a bound token's `cnf.jkt` holds. */
  jkt: string;
  /** A proof for `method` and `url`; `claims` override or add to the standard ones (undefined removes one). */
  proof(method: string, url: string, claims?: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
}

/** A fresh key pair for `alg` (default ES256). */
export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    alg,
    jwk,
    privateKey,
    jkt,
    proof: (method, url, claims = {}, header = {}) => signProof(privateKey, { alg, typ: 'dpop+jwt', jwk, ...header }, { htm: method, htu: url, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ...claims }),
  };
}

/** Signs a proof exactly as given (an undefined claim is left out). */
export function signProof(key: CryptoKey | Uint8Array, header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  const payload = Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(key);
}

/** `ath` for an access token. */
export function ath(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
