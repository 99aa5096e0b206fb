import { SignJWT, generateKeyPair } from 'jose';
import { toBase64Url } from './base64';
import { randomId } from './client-auth';
import type { DpopKeyOptions, JsonWebKeyInput } from './options';
import { INSPECT } from './printable';
import { prepareKey, publicJwkOf, type PreparedKey } from './signing-key';

/** What jose's `sign()` takes (named here only: no declaration file may name jose's types). */
type JoseKey = Parameters<SignJWT['sign']>[0];

/** What a generated key pair may use, best first, when the server names the algorithms it takes. */
const GENERATED_ALGS = ['ES256', 'EdDSA', 'ES384', 'PS256', 'RS256'] as const;
/** Origins whose nonce is remembered; more are forgotten oldest first (a nonce is only an optimisation). */
const MAX_NONCE_ORIGINS = 100;

interface ProofKey extends PreparedKey {
  jwk: JsonWebKeyInput;
}

/** One request a proof is made for. */
export interface ProofTarget {
  method: string;
  url: string;
  /** The access token the request carries: its hash goes in the proof (`ath`). */
  accessToken?: string;
}

/**
 * A DPoP key pair and its proofs (RFC 9449 §4): one proof per request, bound
 * to the method and URL (`htm`, `htu` without query and fragment), the moment
 * (`iat`), a fresh `jti`, the access token (`ath`) and the origin's last nonce.
 * A pair made here is non-extractable and lives in memory only: the private
 * key cannot leave this object, not even through it.
 */
export class DpopProver {
  private keys: Promise<ProofKey> | undefined;
  private readonly nonces = new Map<string, string>();

  constructor(private readonly options: Partial<DpopKeyOptions>) {}

  /** A proof for one request; `supportedAlgs` (from discovery) picks a generated key's algorithm. */
  async proof(target: ProofTarget, supportedAlgs?: readonly string[]): Promise<string> {
    const { key, alg, jwk } = await this.keyPair(supportedAlgs);
    const url = httpUrl(target.url);
    const nonce = this.nonces.get(url.origin);
    const claims: Record<string, string> = { htm: target.method.toUpperCase(), htu: `${url.origin}${url.pathname}` };
    if (target.accessToken !== undefined) claims['ath'] = await sha256Base64Url(target.accessToken);
    if (nonce !== undefined) claims['nonce'] = nonce;
    return new SignJWT(claims).setProtectedHeader({ typ: 'dpop+jwt', alg, jwk }).setJti(randomId()).setIssuedAt().sign(key as JoseKey);
  }

  /** A `DPoP-Nonce` an origin sent: the next proofs for it carry it. */
  rememberNonce(url: string, nonce: string): void {
    const { origin } = httpUrl(url);
    this.nonces.delete(origin);
    this.nonces.set(origin, nonce);
    if (this.nonces.size > MAX_NONCE_ORIGINS) this.nonces.delete(this.nonces.keys().next().value!);
  }

  /** The nonce the next proof for `url`'s origin carries. */
  nonceFor(url: string): string | undefined {
    return this.nonces.get(httpUrl(url).origin);
  }

  toJSON(): string {
    return '[DpopProver]';
  }

  [INSPECT](): string {
    return '[DpopProver]';
  }

  private keyPair(supportedAlgs: readonly string[] | undefined): Promise<ProofKey> {
    this.keys ??= this.makeKeyPair(supportedAlgs).catch((error: unknown) => {
      this.keys = undefined;
      throw error;
    });
    return this.keys;
  }

  private async makeKeyPair(supportedAlgs: readonly string[] | undefined): Promise<ProofKey> {
    const { privateKey, publicKey } = this.options;
    if (privateKey) {
      const prepared = await prepareKey(privateKey);
      return { ...prepared, jwk: await publicJwkOf(privateKey, publicKey) };
    }
    const alg = GENERATED_ALGS.find((candidate) => supportedAlgs === undefined || supportedAlgs.length === 0 || supportedAlgs.includes(candidate)) ?? 'ES256';
    const pair = await generateKeyPair(alg, { extractable: false });
    return { key: pair.privateKey, alg, jwk: await publicJwkOf(pair.publicKey) };
  }
}

/** `htu` is an HTTP target URI (RFC 9449 §4.2, RFC 9110 §7.1): a WebSocket upgrade to ws(s):// is a GET to http(s)://. */
function httpUrl(value: string): URL {
  const url = new URL(value);
  if (url.protocol === 'ws:' || url.protocol === 'wss:') return new URL(`${url.protocol === 'ws:' ? 'http:' : 'https:'}${value.slice(url.protocol.length)}`);
  return url;
}

async function sha256Base64Url(text: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}
