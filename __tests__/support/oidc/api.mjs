// The protected resource of the harness: GET /me and POST /echo, reachable only with a
// DPoP-bound JWT access token of the provider and a fresh DPoP proof (RFC 9449 §4.3, §7),
// carrying the API's OWN nonce (§9). Strict on purpose: it is what the library's DPoP
// support is tested against, so every refusal says why (WWW-Authenticate and stats).
import { createHash, randomBytes } from 'node:crypto';

import { EmbeddedJWK, calculateJwkThumbprint, createLocalJWKSet, errors as joseErrors, jwtVerify } from 'jose';

const IAT_WINDOW_S = 60;
const BODY_LIMIT = 64 * 1024;
const LOG_LIMIT = 500;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const sha256 = (value) => createHash('sha256').update(value).digest('base64url');
const newNonce = () => randomBytes(16).toString('base64url');

class Refusal extends Error {
  constructor(error, reason, description) {
    super(description);
    this.error = error;
    this.reason = reason;
  }
}
const badToken = (reason, description) => new Refusal('invalid_token', reason, description);
const badProof = (reason, description) => new Refusal('invalid_dpop_proof', reason, description);

function emptyStats() {
  return { requests: 0, accepted: 0, nonceChallenges: 0, refusals: {}, log: [] };
}

/**
 * @param {{ issuer: string, resource: string, publicJwks: { keys: object[] }, algorithms: string[] }} options
 *   the provider's public signing keys (shared in-process: no JWKS fetch), and the proof algorithms
 *   the provider allows (the API advertises the same in its `algs` challenge parameter).
 */
export function createApi({ issuer, resource, publicJwks, algorithms }) {
  const keys = createLocalJWKSet(publicJwks);
  let origin = '';
  let stats = emptyStats();
  let nonce = newNonce();
  // The nonce before a graceful rotation: still accepted, answered with the new one.
  let previousNonce;
  // Proof jti → expiry (ms); kept past the iat window so a replay is always recognised.
  const jtis = new Map();
  // sha256 of every access token presented, and those POST /reject-current refused.
  const seen = new Set();
  const rejected = new Set();

  const challenge = (error, description) => {
    const params = [`algs="${algorithms.join(' ')}"`];
    if (error) params.unshift(`error="${error}"`, `error_description="${description.replace(/["\\]/g, '')}"`);
    return `DPoP ${params.join(', ')}`;
  };

  function rememberJti(jti) {
    const now = Date.now();
    for (const [value, expires] of jtis) if (expires < now) jtis.delete(value);
    if (jtis.has(jti)) throw badProof('replayed_proof', 'DPoP proof jti was already used');
    jtis.set(jti, now + 2 * IAT_WINDOW_S * 1000 + 10_000);
  }

  async function verifyProof(req, url, accessToken) {
    const proofs = req.headersDistinct.dpop ?? [];
    if (proofs.length === 0) throw badProof('missing_proof', 'a DPoP proof is required');
    if (proofs.length > 1) throw badProof('multiple_proofs', 'exactly one DPoP header is allowed');
    let verified;
    try {
      verified = await jwtVerify(proofs[0], EmbeddedJWK, { typ: 'dpop+jwt', algorithms });
    } catch (error) {
      throw badProof('bad_proof', `invalid DPoP proof: ${error.message}`);
    }
    const { payload, protectedHeader } = verified;
    if (PRIVATE_JWK_MEMBERS.some((member) => member in protectedHeader.jwk)) throw badProof('private_key_in_proof', 'the proof jwk must be a public key');
    if (payload.htm !== req.method) throw badProof('htm_mismatch', 'DPoP proof htm mismatch');
    let htu;
    try {
      htu = new URL(payload.htu);
      htu.search = '';
      htu.hash = '';
    } catch {
      throw badProof('htu_mismatch', 'DPoP proof htu is not a URL');
    }
    if (htu.href !== new URL(url.pathname, origin).href) throw badProof('htu_mismatch', 'DPoP proof htu mismatch');
    if (typeof payload.iat !== 'number' || Math.abs(Date.now() / 1000 - payload.iat) > IAT_WINDOW_S) throw badProof('iat_out_of_window', 'DPoP proof iat is not within 60 s of now');
    if (typeof payload.jti !== 'string' || !payload.jti) throw badProof('missing_jti', 'DPoP proof must have a jti');
    if (payload.ath !== sha256(accessToken)) throw badProof('ath_mismatch', 'DPoP proof ath does not match the access token');
    if (payload.nonce !== nonce && (previousNonce === undefined || payload.nonce !== previousNonce)) {
      throw new Refusal('use_dpop_nonce', 'nonce', payload.nonce === undefined ? 'the resource server requires a DPoP nonce' : 'the DPoP nonce is stale');
    }
    rememberJti(payload.jti);
    return { thumbprint: await calculateJwkThumbprint(protectedHeader.jwk), nonce: payload.nonce };
  }

  async function verifyToken(accessToken, thumbprint) {
    let payload;
    try {
      ({ payload } = await jwtVerify(accessToken, keys, { issuer, audience: resource, typ: 'at+jwt' }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw badToken('expired_token', 'the access token expired');
      throw badToken('bad_token', `invalid access token: ${error.message}`);
    }
    if (rejected.has(sha256(accessToken))) throw badToken('rejected_token', 'the access token was revoked by the resource server');
    if (typeof payload.cnf?.jkt !== 'string') throw badToken('not_dpop_bound', 'the access token is not DPoP-bound');
    if (payload.cnf.jkt !== thumbprint) throw badProof('key_mismatch', 'the DPoP proof key is not the one the access token is bound to');
    return payload;
  }

  async function authorize(req, url) {
    const authorization = req.headers.authorization;
    if (!authorization) throw new Refusal(undefined, 'no_authorization', 'no Authorization header');
    const match = /^(\S+) +(\S+)$/.exec(authorization);
    if (!match) throw badToken('malformed_authorization', 'malformed Authorization header');
    const [, scheme, accessToken] = match;
    seen.add(sha256(accessToken));
    if (scheme.toLowerCase() !== 'dpop') throw badToken('not_dpop_scheme', `the ${scheme} scheme is not accepted, only DPoP`);
    const proof = await verifyProof(req, url, accessToken);
    const claims = await verifyToken(accessToken, proof.thumbprint);
    return { claims, proof };
  }

  function send(res, status, body, headers = {}) {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  }

  async function readJson(req) {
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > BODY_LIMIT) throw new Error('body too large');
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    return text ? JSON.parse(text) : null;
  }

  function record(req, url, status, reason) {
    stats.log.push({ at: Date.now(), method: req.method, path: url.pathname, status, reason });
    if (stats.log.length > LOG_LIMIT) stats.log.shift();
  }

  async function handle(req, res) {
    const url = new URL(req.url ?? '/', origin);
    // Browser tests may call the API cross-origin: the DPoP headers must be allowed and readable.
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-expose-headers', 'WWW-Authenticate, DPoP-Nonce');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-headers': 'Authorization, DPoP, Content-Type', 'access-control-allow-methods': 'GET, POST' });
      return res.end();
    }
    const route = `${req.method} ${url.pathname}`;
    if (route !== 'GET /me' && route !== 'POST /echo') return send(res, 404, { error: 'not_found' });
    stats.requests += 1;
    try {
      const { claims, proof } = await authorize(req, url);
      const body = route === 'POST /echo' ? await readJson(req) : undefined;
      stats.accepted += 1;
      record(req, url, 200, undefined);
      // A proof with the pre-rotation nonce is accepted once more and told the new one (§8.2).
      const headers = proof.nonce === nonce ? {} : { 'dpop-nonce': nonce };
      const who = { sub: claims.sub, client_id: claims.client_id, scope: claims.scope, jti: claims.jti, jkt: claims.cnf.jkt };
      return send(res, 200, route === 'GET /me' ? who : { ...who, body }, headers);
    } catch (error) {
      if (!(error instanceof Refusal)) {
        record(req, url, 400, 'bad_request');
        return send(res, 400, { error: 'invalid_request', error_description: error.message });
      }
      const headers = { 'www-authenticate': challenge(error.error, error.message) };
      if (error.error === 'use_dpop_nonce') {
        stats.nonceChallenges += 1;
        headers['dpop-nonce'] = nonce;
      } else {
        stats.refusals[error.reason] = (stats.refusals[error.reason] ?? 0) + 1;
      }
      record(req, url, 401, error.reason);
      return send(res, 401, error.error ? { error: error.error, error_description: error.message } : {}, headers);
    }
  }

  return {
    /** The http request listener; `setOrigin` gives it its own origin once it listens. */
    // A failure past the answer (a socket gone) must not end the child with an unhandled rejection.
    handler: (req, res) => void handle(req, res).catch(() => res.destroy()),
    setOrigin(value) {
      origin = value;
    },
    stats: () => ({ ...structuredClone(stats), nonce }),
    /** Every access token presented so far is refused from now on (invalid_token). */
    rejectCurrent() {
      for (const hash of seen) rejected.add(hash);
      return rejected.size;
    },
    /** A new nonce; `graceful` keeps the old one valid (answered with the new one) until the next rotation. */
    rotateNonce({ graceful = false } = {}) {
      previousNonce = graceful ? nonce : undefined;
      nonce = newNonce();
      return nonce;
    },
    resetStats() {
      stats = emptyStats();
    },
  };
}
