import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from './http-server';
import type { GatewayState } from './gateway-state';
import { authenticateResource } from './resource-auth';
import { requestUrls } from './token-request';
import { serveOAuth, type OAuthRoutes } from './oauth-routes';
import type { PathMatcher } from './routes';
import { splitUrl } from './routes';

/** Bodies larger than this are refused: a fixture has no business receiving them. */
const MAX_BODY_BYTES = 64 * 1024;

export interface HttpRoutes extends OAuthRoutes {
  sessions: PathMatcher;
  sessionMetrics: PathMatcher;
  health: PathMatcher;
  /** Static files served on GET without credentials (a test page and its bundle, so a browser test runs on the gateway's own origin). */
  files?: Record<string, { type: string; body: string }>;
  /** Builds the `ws_url` returned for a new session, on the host the request named (`localhost` stays `localhost`). */
  streamUrl(sessionId: string, host: string | undefined): string;
}

/** The gateway's HTTP side: the OAuth endpoints, then sessions, metrics and health, all behind Bearer or API-key auth. */
export function createHttpHandler(state: GatewayState, routes: HttpRoutes): (request: IncomingMessage, response: ServerResponse) => void {
  const send = (response: ServerResponse, route: string, status: number, json: unknown, headers: Record<string, string> = {}) => {
    state.countHttp(route, status);
    if (response.destroyed) return;
    // RFC 9449 §9: with nonces on, every answer tells the current one, so a client need not wait for a challenge.
    const nonce: Record<string, string> = state.authority.dpop.nonceRequired ? { 'DPoP-Nonce': state.authority.dpop.nonce } : {};
    response.writeHead(status, { 'Content-Type': 'application/json', ...nonce, ...headers });
    response.end(JSON.stringify(json));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const { pathname } = splitUrl(request.url);
    const method = request.method ?? 'GET';

    if (serveOAuth(state, routes, request, response, pathname)) return;

    const file = method === 'GET' ? routes.files?.[pathname] : undefined;
    if (file) {
      request.resume();
      state.countHttp('file', 200);
      response.writeHead(200, { 'Content-Type': file.type, 'Cache-Control': 'no-store' }).end(file.body);
      return;
    }
    const route = routeOf(method, pathname, routes);
    if (!route) {
      request.resume();
      send(response, 'notFound', 404, { error: 'not_found' });
      return;
    }
    const outcome = await authenticateResource(state, request, requestUrls(request, routes.context()));
    if (!outcome.ok) {
      request.resume();
      send(response, route.name, 401, outcome.body, outcome.headers);
      return;
    }
    const { subject } = outcome.credential;

    if (route.name === 'health') {
      request.resume();
      send(response, 'health', 200, { status: 'ok', subject });
      return;
    }
    if (route.name === 'sessionMetrics') {
      request.resume();
      const access = state.access(route.id, subject);
      if (access !== 'ok') {
        send(response, 'sessionMetrics', access === 'unknown' ? 404 : 403, { error: access === 'unknown' ? 'not_found' : 'forbidden' });
        return;
      }
      const session = state.session(route.id)!;
      send(response, 'sessionMetrics', 200, {
        session_id: session.sessionId,
        messages_in: session.messagesIn,
        messages_out: session.messagesOut,
        connections: session.connections,
        created_at: new Date(session.createdAt).toISOString(),
      });
      return;
    }
    readBody(request, MAX_BODY_BYTES, (body) => {
      if (body === undefined) {
        send(response, 'createSession', 413, { error: 'payload_too_large' });
        return;
      }
      let params: unknown = {};
      if (body.trim() !== '') {
        try {
          params = JSON.parse(body);
        } catch {
          send(response, 'createSession', 400, { error: 'invalid_json' });
          return;
        }
      }
      const session = state.createSession(subject);
      send(response, 'createSession', 201, {
        session_id: session.sessionId,
        ws_url: routes.streamUrl(session.sessionId, request.headers.host),
        created_at: new Date(session.createdAt).toISOString(),
        params,
      });
    });
  };

  return (request, response) => {
    handle(request, response).catch(() => {
      request.resume();
      send(response, 'error', 500, { error: 'server_error' });
    });
  };
}

type Route = { name: 'health' } | { name: 'createSession' } | { name: 'sessionMetrics'; id: string };

function routeOf(method: string, pathname: string, routes: HttpRoutes): Route | undefined {
  if (method === 'GET' && routes.health.match(pathname) !== undefined) return { name: 'health' };
  if (method === 'POST' && routes.sessions.match(pathname) !== undefined) return { name: 'createSession' };
  const id = method === 'GET' ? routes.sessionMetrics.match(pathname) : undefined;
  if (id !== undefined) return { name: 'sessionMetrics', id };
  return undefined;
}
