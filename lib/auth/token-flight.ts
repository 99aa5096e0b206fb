import { TokenRequestError } from '../errors';
import { requestGrant, requestRefresh } from './grants';
import type { MetricsRecorder } from './metrics';
import type { NormalizedOptions } from './normalize-options';
import type { StoreAccess } from './store-access';
import type { TokenEndpoint } from './token-endpoint';
import type { TokenEvent } from './events';
import { toTokenSet, type TokenSet } from './token-set';

/** Why a flight started: the kind of token it may end with, and how a refusal of that token is judged. */
export type FlightCause = 'due' | 'refusal' | 'refresh' | 'authenticate';

/** One token flight: when it started, in which session (`epoch`), and why. */
export interface Flight {
  startedAt: number;
  epoch: number;
  cause: FlightCause;
}

/** What one flight reads of its manager, and how it hands the result back. */
export interface FlightContext {
  readonly cause: FlightCause;
  readonly config: NormalizedOptions;
  readonly endpoint: TokenEndpoint | undefined;
  readonly recorder: MetricsRecorder;
  readonly store: StoreAccess;
  /** Aborted by `clear()` and `close()`: ends a grant that waits (a device authorization). */
  readonly signal: AbortSignal;
  /** The token set the manager holds now. */
  current(): TokenSet | undefined;
  /** Not refused by a server, not due. */
  isGood(tokenSet: TokenSet): boolean;
  /** A refresh token the server rejected is never presented again. */
  isDead(refreshToken: string): boolean;
  markDead(refreshToken: string): void;
  /** Installs, saves and announces a token set. */
  accept(tokenSet: TokenSet, source: TokenEvent['source'], rotated?: boolean): Promise<TokenSet>;
}

/**
 * The cheapest way to a good token: the store first (another manager may
 * have refreshed: adopt its token, or use its newer refresh token), then the
 * refresh grant, then a full authentication. A rejected refresh token sends
 * it back to the store once more, since another manager may have rotated it
 * meanwhile: presenting a rotated-out token again revokes the whole grant at
 * servers with reuse detection.
 */
export async function obtainToken(flight: FlightContext): Promise<TokenSet> {
  const stored = await newerStored(flight);
  if (stored && flight.isGood(stored)) return flight.accept(stored, 'store');
  let refreshToken = stored?.refreshToken ?? flight.current()?.refreshToken;
  for (let attempt = 0; attempt < 2 && flight.cause !== 'authenticate' && flight.endpoint && refreshToken !== undefined && !flight.isDead(refreshToken); attempt++) {
    try {
      return await refresh(flight, refreshToken);
    } catch (error) {
      if (!(error instanceof TokenRequestError && error.rejected)) throw error;
      flight.markDead(refreshToken);
      flight.recorder.fallbacks++;
      flight.config.logger.warn('axios-ws-auth: refresh token rejected; reading the store, else authenticating again', { oauthError: error.oauthError });
      const again = await newerStored(flight);
      if (again && flight.isGood(again)) return flight.accept(again, 'store');
      refreshToken = again?.refreshToken;
    }
  }
  return authenticateWithGrant(flight);
}

/** The store's token set, when it is not the one we hold (nor an older one). */
async function newerStored(flight: FlightContext): Promise<TokenSet | undefined> {
  const stored = await flight.store.read();
  const current = flight.current();
  if (!stored || stored.accessToken === current?.accessToken) return undefined;
  if (current && stored.receivedAt < current.receivedAt) return undefined;
  return stored;
}

async function refresh(flight: FlightContext, refreshToken: string): Promise<TokenSet> {
  flight.recorder.tokenRequests++;
  const body = await requestRefresh(flight.endpoint!, refreshToken);
  const tokenSet = parse(flight, body, refreshToken);
  flight.recorder.refreshes++;
  return flight.accept(tokenSet, 'refresh', tokenSet.refreshToken !== refreshToken);
}

async function authenticateWithGrant(flight: FlightContext): Promise<TokenSet> {
  flight.recorder.tokenRequests++;
  const tokenSet = parse(flight, await requestGrant(flight.config, flight.endpoint, flight.signal));
  flight.recorder.authentications++;
  return flight.accept(tokenSet, 'authenticate', false);
}

function parse(flight: FlightContext, body: unknown, previousRefreshToken?: string): TokenSet {
  return toTokenSet(body, flight.config.now(), previousRefreshToken, (message) => flight.config.logger.warn(`axios-ws-auth: ${message}`), flight.config.dpop !== undefined);
}
