import type { IncomingMessage } from 'node:http';
import type { DpopVerifier } from './dpop-proof';
import { oauthError, type OAuthAnswer } from './oauth-answer';

/** What the server in front of the authority says about itself; without it, the request's `Host` tells. */
export interface EndpointContext {
  /** Origins the server is reached at besides the request's `Host` (`http://127.0.0.1:PORT`): accepted in a DPoP proof's `htu`. */
  origins?: string[];
  /** The device verification page's URL. Default `http://<Host>/device`. */
  verificationUri?: string;
  /** The issuer the metadata announces: a client assertion may name it as `aud`. */
  issuer?: string;
  /** The token endpoint's URL: a client assertion may name it as `aud`, at any endpoint. Default the request's own URL only. */
  tokenUrl?: string;
}

/** The request's own origin, as its `Host` names it. */
export function hostOrigin(request: IncomingMessage): string {
  return `http://${request.headers.host ?? '127.0.0.1'}`;
}

/** Every URL the client may have addressed this request to (query and fragment left out). */
export function requestUrls(request: IncomingMessage, context: EndpointContext): string[] {
  const pathname = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
  return [...new Set([hostOrigin(request), ...(context.origins ?? [])])].map((origin) => `${origin}${pathname}`);
}

/**
 * A token request's DPoP proof (RFC 9449 §5): the key its tokens will be
 * bound to, none without a proof, or the answer refusing it. Judged before
 * client authentication, so that a nonce challenge does not use up a client
 * assertion's jti.
 */
export async function checkTokenProof(request: IncomingMessage, dpop: DpopVerifier, context: EndpointContext): Promise<{ ok: true; jkt: string | undefined } | { ok: false; answer: OAuthAnswer }> {
  const proof = request.headers['dpop'];
  if (typeof proof !== 'string') {
    if (!dpop.required) return { ok: true, jkt: undefined };
    dpop.countRefusal('required');
    return { ok: false, answer: oauthError(400, 'invalid_dpop_proof', 'a DPoP proof is required') };
  }
  const check = await dpop.verify(proof, { where: 'token', method: 'POST', urls: requestUrls(request, context) });
  if (check.ok) return { ok: true, jkt: check.jkt };
  return { ok: false, answer: oauthError(400, check.error, check.description) };
}

/** What a client assertion's `aud` may be (RFC 7523 §3): the issuer, or the endpoint's URL, or the token endpoint's. */
export function assertionAudiences(request: IncomingMessage, context: EndpointContext): string[] {
  const named = [context.issuer, context.tokenUrl, hostOrigin(request), ...(context.origins ?? []), ...requestUrls(request, context)];
  return [...new Set(named.filter((audience): audience is string => audience !== undefined))];
}
