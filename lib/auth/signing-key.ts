import { exportJWK, importJWK, type CryptoKey, type JWK, type KeyObject } from 'jose';
import { AuthError, safeCause } from '../errors';
import type { JsonWebKeyInput, SigningKey } from './options';
import { sha256Hex } from './sha256';

/** A key ready for jose: imported once, with the JWS algorithm it signs with. */
export interface PreparedKey {
  /** A CryptoKey or KeyObject; typed loosely so that no declaration file names jose's types (an ES module a node16 CommonJS consumer cannot resolve). */
  key: object;
  alg: string;
}

/** Private JWK members (RFC 7518): never copied into a public key or a message. */
const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv']);

/** Imports a JWK, CryptoKey or KeyObject and names its algorithm (a JWK's own `alg` wins). */
export async function prepareKey(input: SigningKey): Promise<PreparedKey> {
  const alg = algorithmOf(input);
  if (!isJwk(input)) return { key: input as CryptoKey | KeyObject, alg };
  try {
    const key = await importJWK(input as JWK, alg);
    if (key instanceof Uint8Array) throw new Error('a symmetric JWK cannot sign an assertion or a proof');
    return { key, alg };
  } catch (error) {
    // jose's messages name the problem, never the key material.
    throw new AuthError(`the signing key could not be imported: ${safeCause(error).message}`, { code: 'INVALID_OPTIONS' });
  }
}

/** The public JWK of a key pair: from `publicKey` when given, else read off the private key. */
export async function publicJwkOf(privateKey: SigningKey, publicKey?: SigningKey): Promise<JsonWebKeyInput> {
  const source = publicKey ?? privateKey;
  let jwk: Record<string, unknown>;
  try {
    jwk = isJwk(source) ? { ...source } : ((await exportJWK(source as CryptoKey | KeyObject)) as Record<string, unknown>);
  } catch {
    throw new AuthError('dpop: the public key cannot be read off a non-extractable private key; pass dpop.publicKey too', { code: 'INVALID_OPTIONS' });
  }
  const { kty, crv, n, e, x, y } = jwk;
  // Only the members a JWK thumbprint and a verifier need: nothing private, no alg/kid/use clutter.
  const members = Object.entries({ kty, crv, n, e, x, y }).filter(([name, value]) => value !== undefined && !PRIVATE_MEMBERS.has(name));
  return Object.fromEntries(members) as JsonWebKeyInput;
}

/**
 * A short, stable name of a key pair's public half, read synchronously (a
 * JWK, or a KeyObject's export); `undefined` for a CryptoKey, whose export is
 * asynchronous. Store keys carry it, so runtimes with different DPoP keys never
 * adopt each other's bound tokens.
 */
export function keyFingerprint(privateKey: SigningKey, publicKey?: SigningKey): string | undefined {
  for (const key of [publicKey, privateKey]) {
    if (key === undefined) continue;
    const jwk = isJwk(key) ? key : exportedJwk(key);
    if (!jwk) continue;
    const { kty, crv, x, y, n, e } = jwk as Record<string, unknown>;
    return sha256Hex(JSON.stringify({ crv, e, kty, n, x, y })).slice(0, 16);
  }
  return undefined;
}

function exportedJwk(key: SigningKey): Record<string, unknown> | undefined {
  const exporter = (key as { export?: unknown; asymmetricKeyType?: unknown }).export;
  if (typeof exporter !== 'function' || typeof (key as { asymmetricKeyType?: unknown }).asymmetricKeyType !== 'string') return undefined;
  try {
    return (exporter as (options: { format: 'jwk' }) => Record<string, unknown>).call(key, { format: 'jwk' });
  } catch {
    return undefined;
  }
}

function isJwk(key: SigningKey): key is JsonWebKeyInput {
  return typeof (key as { kty?: unknown }).kty === 'string';
}

const CURVE_ALGS: Record<string, string> = { 'P-256': 'ES256', prime256v1: 'ES256', 'P-384': 'ES384', secp384r1: 'ES384', 'P-521': 'ES512', secp521r1: 'ES512' };

/** The JWS `alg` a key signs with; throws (naming the key type, never its material) for one it cannot. */
export function algorithmOf(key: SigningKey): string {
  if (isJwk(key)) {
    if (typeof key.alg === 'string') return key.alg;
    if (key.kty === 'EC') return CURVE_ALGS[String(key['crv'])] ?? unsupported(`EC curve ${String(key['crv']).slice(0, 20)}`);
    if (key.kty === 'OKP') return key['crv'] === 'Ed25519' ? 'EdDSA' : unsupported(`OKP curve ${String(key['crv']).slice(0, 20)}`);
    if (key.kty === 'RSA') return 'RS256';
    return unsupported(`key type ${String(key.kty).slice(0, 20)}`);
  }
  const crypto = key as { algorithm?: { name?: string; namedCurve?: string; hash?: { name?: string } } };
  if (crypto.algorithm) {
    const { name, namedCurve, hash } = crypto.algorithm;
    const bits = hash?.name?.replace(/^SHA-/, '') ?? '256';
    if (name === 'ECDSA') return CURVE_ALGS[namedCurve ?? ''] ?? unsupported(`curve ${namedCurve}`);
    if (name === 'RSASSA-PKCS1-v1_5') return `RS${bits}`;
    if (name === 'RSA-PSS') return `PS${bits}`;
    if (name === 'Ed25519') return 'EdDSA';
    return unsupported(`algorithm ${name}`);
  }
  const node = key as { asymmetricKeyType?: string; asymmetricKeyDetails?: { namedCurve?: string } };
  if (node.asymmetricKeyType === 'ec') return CURVE_ALGS[node.asymmetricKeyDetails?.namedCurve ?? ''] ?? unsupported(`curve ${node.asymmetricKeyDetails?.namedCurve}`);
  if (node.asymmetricKeyType === 'rsa') return 'RS256';
  if (node.asymmetricKeyType === 'rsa-pss') return 'PS256';
  if (node.asymmetricKeyType === 'ed25519') return 'EdDSA';
  return unsupported(`key type ${node.asymmetricKeyType ?? 'unknown'}`);
}

function unsupported(what: string): never {
  throw new AuthError(`unsupported signing key: ${what} (use an EC P-256/384/521, RSA or Ed25519 key)`, { code: 'INVALID_OPTIONS' });
}
