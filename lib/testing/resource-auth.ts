import type { IncomingMessage } from 'node:http';
import { DPOP_SIGNING_ALGORITHMS, type DpopRefusal } from './dpop-proof';
import type { Credential, GatewayState, Refusal } from './gateway-state';

/** A resource request's credential, or the 401 refusing it: its JSON body and headers. */
export type ResourceAuth = { ok: true; credential: Credential } | { ok: false; body: { error: string; error_description: string }; headers: Record<string, string> };

/** RFC 6750 §3: no error code when no credential was presented at all. */
function wwwAuthenticate(refusal: Refusal): string {
  if (refusal === 'missing') return 'Bearer realm="test-gateway"';
  return `Bearer realm="test-gateway", error="invalid_token", error_description="${describe(refusal)}"`;
}

/** RFC 9449 §7.1: the DPoP challenge names the algorithms a proof may use. */
export function dpopChallenge(error?: string, description?: string): string {
  const challenge = `DPoP realm="test-gateway", algs="${DPOP_SIGNING_ALGORITHMS.join(' ')}"`;
  return error === undefined ? challenge : `${challenge}, error="${error}", error_description="${description ?? error}"`;
}

/**
 * Authenticates an API request or a WebSocket upgrade (`urls`: what its
 * `htu` may say): `Authorization: DPoP` with a proof for a bound token, else
 * Bearer, the API-key header or `fallbackToken` as before. A bound token
 * without its proof is refused, and so is any Bearer token under `dpop.required`.
 */
export async function authenticateResource(state: GatewayState, request: IncomingMessage, urls: readonly string[], fallbackToken?: string): Promise<ResourceAuth> {
  const dpop = state.authority.dpop;
  const refuse = (reason: DpopRefusal, description: string): ResourceAuth => {
    dpop.countRefusal(reason);
    return { ok: false, body: { error: 'invalid_token', error_description: reason }, headers: { 'WWW-Authenticate': dpopChallenge('invalid_token', description) } };
  };
  const authorization = request.headers.authorization;
  if (authorization !== undefined && /^dpop /i.test(authorization)) {
    const token = authorization.slice(5).trim();
    const outcome = state.check(token);
    if (!outcome.ok) return { ok: false, body: { error: 'invalid_token', error_description: outcome.refusal }, headers: { 'WWW-Authenticate': dpopChallenge('invalid_token', describe(outcome.refusal)) } };
    const jkt = state.authority.binding(token);
    if (jkt === undefined) return refuse('unbound-token', 'the access token is not DPoP-bound: send it as Bearer');
    const proof = request.headers['dpop'];
    if (typeof proof !== 'string') return refuse('missing-proof', 'a DPoP-bound access token needs a DPoP proof');
    const check = await dpop.verify(proof, { where: 'resource', method: request.method ?? 'GET', urls, accessToken: token, jkt });
    if (check.ok) return { ok: true, credential: { ...outcome.credential, jkt } };
    const headers: Record<string, string> = { 'WWW-Authenticate': dpopChallenge(check.error, check.description) };
    if (check.error === 'use_dpop_nonce') headers['DPoP-Nonce'] = dpop.nonce;
    return { ok: false, body: { error: check.error, error_description: check.reason }, headers };
  }
  const outcome = state.authenticate(request.headers, fallbackToken);
  if (!outcome.ok) {
    const challenge = dpop.required ? dpopChallenge(outcome.refusal === 'missing' ? undefined : 'invalid_token', describe(outcome.refusal)) : wwwAuthenticate(outcome.refusal);
    return { ok: false, body: { error: 'invalid_token', error_description: outcome.refusal }, headers: { 'WWW-Authenticate': challenge } };
  }
  if (outcome.credential.kind === 'bearer') {
    // RFC 9449 §7.2: a bound token presented as a bearer token is refused, or it could be replayed by whoever saw it.
    if (state.authority.binding(outcome.credential.secret) !== undefined) return refuse('bearer-for-bound-token', 'the access token is DPoP-bound: use the DPoP scheme with a proof');
    if (dpop.required) return refuse('required', 'DPoP is required');
  }
  return outcome;
}

function describe(refusal: Refusal): string {
  if (refusal === 'missing') return 'no credential';
  return refusal === 'expired' ? 'the access token expired' : 'the access token is unknown';
}
