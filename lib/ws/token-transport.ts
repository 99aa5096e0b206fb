import type { TokenSource } from '../auth/token-source';
import { TOKEN_QUERY_PARAMETER, TOKEN_SUBPROTOCOL } from './protocol';

/**
 * How the access token travels on the upgrade request. Browsers cannot set
 * headers on a WebSocket, and some gateways read the token from the URL or
 * from `Sec-WebSocket-Protocol`, so all three are offered.
 */
export type TokenTransport =
  /** `Authorization: Bearer …` (or the API-key header of an api_key manager). The default. */
  | 'header'
  /** `?access_token=…` on the URL. */
  | 'query'
  /** `Sec-WebSocket-Protocol: access_token, <token>`. */
  | 'subprotocol'
  /** The token in a query parameter of your choice. */
  | { query: string }
  /** The subprotocols to offer, built from the token (e.g. Kubernetes' `base64url.bearer.authorization.k8s.io.<token>`). */
  | { subprotocol: (token: string) => string[] };

/** What placing a token on the upgrade needs of a `TokenSource`. */
export type UpgradeTokenSource = Pick<TokenSource, 'getAccessToken' | 'getAuthHeaders'>;

/** The credential-bearing parts of one upgrade request. */
export interface UpgradeCredentials {
  url: string;
  headers: Record<string, string>;
  protocols: string[];
  /** The token the server will see, to name in `handleUnauthorized()`; undefined for a non-Bearer header (API key). */
  tokenUsed: string | undefined;
}

/** Fetches a token (sharing the manager's single flight) and places it per `transport`. */
export async function credentialsFor(source: UpgradeTokenSource, transport: TokenTransport, url: string, protocols: string[]): Promise<UpgradeCredentials> {
  if (transport === 'header') {
    // A DPoP proof for the upgrade is bound to its GET and URL (ws: scheme, no query); a Bearer source ignores them.
    const headers = await source.getAuthHeaders({ method: 'GET', url });
    const credential = Object.entries(headers).find(([name, value]) => name.toLowerCase() === 'authorization' && /^(bearer|dpop) /i.test(value));
    return { url, headers, protocols, tokenUsed: credential?.[1].replace(/^\S+ /, '') };
  }
  const token = await source.getAccessToken();
  if (transport === 'query' || (typeof transport === 'object' && 'query' in transport)) {
    const withToken = new URL(url);
    withToken.searchParams.set(transport === 'query' ? TOKEN_QUERY_PARAMETER : transport.query, token);
    return { url: withToken.toString(), headers: {}, protocols, tokenUsed: token };
  }
  const offered = transport === 'subprotocol' ? [TOKEN_SUBPROTOCOL, token] : transport.subprotocol(token);
  return { url, headers: {}, protocols: [...offered, ...protocols], tokenUsed: token };
}
