/** What a resource server said about DPoP in one answer (RFC 9449 §9). */
export interface DpopAnswer {
  /** A `DPoP-Nonce` header: the next proofs to this origin carry it. */
  nonce: string | undefined;
  /** `WWW-Authenticate: DPoP error="use_dpop_nonce"`: the proof lacked the current nonce. */
  wantsNonce: boolean;
  /** `error="invalid_dpop_proof"`: the proof itself was refused; a new token would not help. */
  badProof: boolean;
}

/** A `DPoP-Nonce` value as RFC 9449 §8.1 allows it (NQCHAR), bounded. */
export function isDpopNonce(value: unknown): value is string {
  return typeof value === 'string' && /^[\x21\x23-\x5B\x5D-\x7E]{1,512}$/.test(value);
}

/** Reads `DPoP-Nonce` and a DPoP challenge off a response: axios's (any version's headers) or Node's. */
export function readDpopAnswer(response: unknown): DpopAnswer {
  const headers = (response as { headers?: unknown } | null | undefined)?.headers;
  const nonce = header(headers, 'dpop-nonce');
  const challenge = header(headers, 'www-authenticate') ?? '';
  return {
    nonce: isDpopNonce(nonce) ? nonce : undefined,
    wantsNonce: dpopError(challenge) === 'use_dpop_nonce',
    badProof: dpopError(challenge) === 'invalid_dpop_proof',
  };
}

function dpopError(challenge: string): string | undefined {
  return /(?:^|[\s,])DPoP\b[^]*?\berror\s*=\s*"?([a-z_]+)"?/i.exec(challenge)?.[1];
}

/** One header of an axios response (AxiosHeaders or a plain object, any version) or a Node message, by its lower-case name. */
export function header(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const getter = (headers as { get?: unknown }).get;
  const value = typeof getter === 'function' ? (getter as (key: string) => unknown).call(headers, name) : findHeader(headers as Record<string, unknown>, name);
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : undefined;
}

function findHeader(headers: Record<string, unknown>, name: string): unknown {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}
