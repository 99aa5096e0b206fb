import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Discovery } from './discovery';
import type { GatewayState } from './gateway-state';
import { writeAnswer } from './oauth-answer';
import type { PathMatcher } from './routes';
import type { EndpointContext } from './token-request';

/** The gateway's OAuth endpoints: answered before, and without, any credential check. */
export interface OAuthRoutes {
  token: PathMatcher;
  revoke: PathMatcher;
  deviceAuthorization: PathMatcher;
  /** The device verification page a user would open (`GET`). */
  device: PathMatcher;
  /** The gateway's origin and verification page, as the token side needs them. */
  context(): EndpointContext;
  /** The metadata documents under `/.well-known/`. */
  discovery: Discovery;
}

/**
 * Serves the request if it is for an OAuth endpoint (true), counting it under
 * its route name once answered.
 */
export function serveOAuth(state: GatewayState, routes: OAuthRoutes, request: IncomingMessage, response: ServerResponse, pathname: string): boolean {
  const method = request.method ?? 'GET';
  const counted = (route: string) => response.once('finish', () => state.countHttp(route, response.statusCode));
  if (method === 'POST' && routes.token.match(pathname) !== undefined) {
    counted('token');
    state.authority.handle(request, response, routes.context());
    return true;
  }
  if (method === 'POST' && routes.revoke.match(pathname) !== undefined) {
    counted('revoke');
    state.authority.handleRevocation(request, response, routes.context());
    return true;
  }
  if (method === 'POST' && routes.deviceAuthorization.match(pathname) !== undefined) {
    counted('deviceAuthorization');
    state.authority.handleDeviceAuthorization(request, response, routes.context());
    return true;
  }
  const document = method === 'GET' ? routes.discovery.document(pathname) : undefined;
  if (document !== undefined) {
    request.resume();
    counted('discovery');
    writeAnswer(response, routes.discovery.answer(document));
    return true;
  }
  if (method === 'GET' && routes.device.match(pathname) !== undefined) {
    request.resume();
    counted('deviceVerification');
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    // The user's side is the test's: it approves with `approveDevice(userCode)`.
    response.end('<!doctype html><title>Device sign-in</title><p>The test approves or denies this code with approveDevice() / denyDevice().</p>');
    return true;
  }
  return false;
}
