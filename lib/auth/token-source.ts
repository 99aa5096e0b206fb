import type { RequestTarget } from './header-cache';

/**
 * What `attachAuth`, `SessionChannel` and `GatewayClient` borrow from an
 * `AuthManager`. Anything with these methods works: a fake in a test, a
 * wrapper that adds logging, a manager from another copy of the package.
 */
export interface TokenSource {
  /** A valid access token (shares the single in-flight refresh). */
  getAccessToken(): Promise<string>;
  /** `Authorization: Bearer …` or the API-key header; with DPoP, `Authorization: DPoP …` and a proof for `request`. */
  getAuthHeaders(request?: RequestTarget): Promise<Readonly<Record<string, string>>>;
  /** The same headers synchronously when the token is good right now; never starts a request. */
  currentAuthHeaders?(): Readonly<Record<string, string>> | undefined;
  /** Called with the token a server rejected; shares the single in-flight refresh. */
  handleUnauthorized(rejectedToken?: string): Promise<void>;
  /** Optional: a server accepted this token (so a later refusal of it is an expiry, not a verdict on every token). */
  tokenAccepted?(token: string): void;
  /** Optional: a server sent a `DPoP-Nonce` for the next proofs to its origin. */
  rememberDpopNonce?(url: string, nonce: string): void;
  /** `'token'`: a new token set was installed. */
  on(event: 'token', listener: () => void): unknown;
  off(event: 'token', listener: () => void): unknown;
}

/** The methods every token source must have, checked at the edge of each consumer. */
export function isTokenSource(value: unknown): value is TokenSource {
  const source = value as Partial<Record<keyof TokenSource, unknown>> | null | undefined;
  return (
    typeof source?.getAccessToken === 'function' &&
    typeof source.getAuthHeaders === 'function' &&
    typeof source.handleUnauthorized === 'function' &&
    typeof source.on === 'function' &&
    typeof source.off === 'function'
  );
}
