/**
 * The gateway's WebSocket wire constants, in one place: the client
 * (`SessionChannel`, its close policy and token transport) and the test
 * gateway (`axios-ws-auth/testing`) both read them from here.
 */

/** Close codes the gateway uses beyond RFC 6455's. */
export const CloseCodes = {
  /** The connection's token expired or was refused: refresh, then reconnect. */
  TOKEN_EXPIRED: 4401,
  /** The token is valid but not allowed on this session: do not retry. */
  FORBIDDEN: 4403,
  /** Too many connections: reconnect after a long delay. */
  RATE_LIMITED: 4429,
} as const;

/** `Sec-WebSocket-Protocol: access_token, <token>` carries the token where headers cannot (browsers). */
export const TOKEN_SUBPROTOCOL = 'access_token';

/** The query parameter of `tokenTransport: 'query'`. */
export const TOKEN_QUERY_PARAMETER = 'access_token';

/** The in-band renewal message: the gateway swaps the connection's token without closing it. */
export interface RenewalMessage {
  type: 'auth';
  token: string;
}

/** The renewal message for `token` (what `renewOnOpenSocket` usually returns). */
export function renewalMessage(token: string): RenewalMessage {
  return { type: 'auth', token };
}
