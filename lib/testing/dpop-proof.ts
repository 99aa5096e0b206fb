import { createHash, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { ReplayCache } from './replay-cache';

/** The DPoP proof algorithms accepted, and announced as `dpop_signing_alg_values_supported` (RFC 9449 §5.1). */
export const DPOP_SIGNING_ALGORITHMS: readonly string[] = ['ES256', 'RS256', 'PS256', 'EdDSA'];

/** How far a proof's `iat` may be from the server's clock, seconds (RFC 9449 §11.1 leaves the window to the server). */
export const DPOP_IAT_LEEWAY_SECONDS = 60;

/** JWK members only a private or symmetric key has: a proof showing one is refused (RFC 9449 §4.2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

/** Options of DPoP (RFC 9449) at the token endpoint and the resource routes; proofs are always verified when sent. */
export interface DpopOptions {
  /** Every token request needs a proof, and every token is bound: a Bearer token gets 401. Default false. */
  required?: boolean;
  /** Proofs need the server's current nonce, at the token endpoint and the resource routes alike. Default false. */
  nonce?: boolean;
}

/** Why a proof (or its absence) was refused. */
export type DpopRefusal =
  /** Not one compact JWS with a JSON header and payload (two `DPoP` headers included). */
  | 'malformed'
  /** `typ` is not `dpop+jwt`. */
  | 'typ'
  /** `alg` is not one of `DPOP_SIGNING_ALGORITHMS` (`none` and HMAC included). */
  | 'alg'
  /** No public `jwk` in the header, or one with private members, or one not matching `alg`. */
  | 'jwk'
  | 'signature'
  /** `htm` is not the request's method. */
  | 'htm'
  /** `htu` is not the request's URL (query and fragment ignored). */
  | 'htu'
  /** `iat` missing, or more than 60 s away from the server's clock. */
  | 'iat'
  /** `jti` missing. */
  | 'jti'
  /** This key already sent a proof with this `jti`. */
  | 'replay'
  /** `ath` is not the hash of the access token sent with it. */
  | 'ath'
  /** The proof's key is not the one the token (access or refresh) is bound to. */
  | 'key-mismatch'
  /** A bound token came without a proof. */
  | 'missing-proof'
  /** A bound access token came under the Bearer scheme. */
  | 'bearer-for-bound-token'
  /** An unbound access token came under the DPoP scheme. */
  | 'unbound-token'
  /** `dpop.required`, and there was no proof (token endpoint) or only a Bearer token (resource). */
  | 'required';

/** Counts kept by DPoP. */
export interface DpopStats {
  proofsAccepted: { token: number; resource: number };
  /** `use_dpop_nonce` answers: a proof valid but for a missing or stale nonce. */
  nonceChallenges: { token: number; resource: number };
  /** Refusals by reason (token endpoint and resource routes together). */
  refused: Partial<Record<DpopRefusal, number>>;
}

/** What the request a proof came with must match. */
export interface ProofExpectation {
  where: 'token' | 'resource';
  method: string;
  /** The request's URL as the client may have named it (any one of them matches). */
  urls: readonly string[];
  /** The access token sent with it (resource requests): `ath` must be its hash. */
  accessToken?: string;
  /** The thumbprint the token is bound to. */
  jkt?: string;
}

/** A proof's verdict: its key's thumbprint, or the OAuth error to answer. */
export type ProofCheck = { ok: true; jkt: string } | { ok: false; error: 'invalid_dpop_proof' | 'use_dpop_nonce'; reason: DpopRefusal | 'nonce'; description: string };

const zeroStats = (): DpopStats => ({ proofsAccepted: { token: 0, resource: 0 }, nonceChallenges: { token: 0, resource: 0 }, refused: {} });

/** Verifies DPoP proofs (RFC 9449 §4.3) and keeps the server nonce and the proofs already seen. */
export class DpopVerifier {
  readonly required: boolean;
  readonly nonceRequired: boolean;
  private currentNonce = newNonce();
  private readonly seen = new ReplayCache();
  private counts = zeroStats();

  constructor(options: DpopOptions = {}) {
    this.required = options.required ?? false;
    this.nonceRequired = options.nonce ?? false;
  }

  /** The nonce a proof must carry now (when `nonce` is on). */
  get nonce(): string {
    return this.currentNonce;
  }

  /** A new nonce: proofs with the old one get `use_dpop_nonce` from now on. */
  rotateNonce(): string {
    this.currentNonce = newNonce();
    return this.currentNonce;
  }

  /** Verifies one proof against its request, and counts the verdict. */
  async verify(proof: string, expected: ProofExpectation): Promise<ProofCheck> {
    const check = await this.judge(proof, expected);
    if (check.ok) this.counts.proofsAccepted[expected.where]++;
    else if (check.reason === 'nonce') this.counts.nonceChallenges[expected.where]++;
    else this.countRefusal(check.reason);
    return check;
  }

  /** Counts a refusal decided outside `verify` (no proof, the wrong scheme). */
  countRefusal(reason: DpopRefusal): void {
    this.counts.refused[reason] = (this.counts.refused[reason] ?? 0) + 1;
  }

  stats(): DpopStats {
    const { proofsAccepted, nonceChallenges, refused } = this.counts;
    return { proofsAccepted: { ...proofsAccepted }, nonceChallenges: { ...nonceChallenges }, refused: { ...refused } };
  }

  reset(): void {
    this.counts = zeroStats();
    this.seen.clear();
  }

  private async judge(proof: string, expected: ProofExpectation): Promise<ProofCheck> {
    const refuse = (reason: DpopRefusal, description: string): ProofCheck => ({ ok: false, error: 'invalid_dpop_proof', reason, description });
    // Node joins repeated headers with ", ": a JWS has no comma, so a comma means two proofs.
    if (proof.includes(',') || proof.split('.').length !== 3) return refuse('malformed', 'one DPoP header holding one compact JWS is expected');
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(proof);
    } catch {
      return refuse('malformed', 'the proof header is not JSON');
    }
    if (header.typ !== 'dpop+jwt') return refuse('typ', 'typ must be dpop+jwt');
    if (typeof header.alg !== 'string' || !DPOP_SIGNING_ALGORITHMS.includes(header.alg)) return refuse('alg', `alg must be one of ${DPOP_SIGNING_ALGORITHMS.join(', ')}`);
    const jwk = header.jwk as Record<string, unknown> | undefined;
    if (jwk === null || typeof jwk !== 'object' || PRIVATE_MEMBERS.some((member) => member in jwk)) return refuse('jwk', 'the header must carry a public jwk');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_SIGNING_ALGORITHMS] }));
    } catch (error) {
      return refuseVerifyError(error, refuse);
    }
    if (payload['htm'] !== expected.method) return refuse('htm', `htm must be ${expected.method}`);
    const htu = payload['htu'];
    if (typeof htu !== 'string' || !expected.urls.some((url) => sameUrl(url, htu))) return refuse('htu', 'htu must be the URL of this request');
    const { iat, jti } = payload;
    if (typeof iat !== 'number' || Math.abs(Date.now() / 1000 - iat) > DPOP_IAT_LEEWAY_SECONDS) return refuse('iat', `iat must be within ${DPOP_IAT_LEEWAY_SECONDS} s of the server's clock`);
    if (typeof jti !== 'string' || jti === '') return refuse('jti', 'jti is missing');
    if (expected.accessToken !== undefined && payload['ath'] !== accessTokenHash(expected.accessToken)) return refuse('ath', 'ath must be the SHA-256 of the access token');
    const jkt = await calculateJwkThumbprint(jwk as JWK, 'sha256');
    if (expected.jkt !== undefined && jkt !== expected.jkt) return refuse('key-mismatch', 'the token is bound to another key');
    const seenKey = `${jkt} ${jti}`;
    if (this.seen.has(seenKey)) return refuse('replay', 'this proof was already used');
    if (this.nonceRequired && payload['nonce'] !== this.currentNonce) {
      const description = payload['nonce'] === undefined ? 'a DPoP nonce is required' : 'the DPoP nonce is stale';
      return { ok: false, error: 'use_dpop_nonce', reason: 'nonce', description };
    }
    // Kept until the proof's iat is out of the window: from then on it is refused anyway.
    this.seen.add(seenKey, (iat + DPOP_IAT_LEEWAY_SECONDS) * 1000 + 1000);
    return { ok: true, jkt };
  }
}

/** `ath`: base64url(SHA-256(ASCII(access token))) (RFC 9449 §4.2). */
function accessTokenHash(token: string): string {
  return createHash('sha256').update(token, 'ascii').digest('base64url');
}

/** RFC 9449 §4.3: compared without query and fragment, after URL normalization (case of scheme and host, default port). */
function sameUrl(expected: string, htu: string): boolean {
  try {
    const a = new URL(expected);
    const b = new URL(htu);
    return a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
  } catch {
    return false;
  }
}

function refuseVerifyError(error: unknown, refuse: (reason: DpopRefusal, description: string) => ProofCheck): ProofCheck {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return refuse('signature', 'the signature does not verify with the jwk');
  if (code === 'ERR_JWT_EXPIRED' || code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return refuse('iat', 'a time claim of the proof is out of range');
  if (code === 'ERR_JWT_INVALID') return refuse('malformed', 'the proof payload is not a JSON object');
  return refuse('jwk', 'the jwk is not a usable public key for alg');
}

function newNonce(): string {
  return randomBytes(16).toString('base64url');
}
