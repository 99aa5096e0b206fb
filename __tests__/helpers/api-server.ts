import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenAuthority, type TokenAuthorityOptions } from '../../lib/testing/token-authority';
import { closeServer } from './token-server';

/** One request as the protected API saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  /** The `x-request-id` header the test set, to tell replays apart. */
  id: string | undefined;
  /** The Bearer token the request carried, if any. */
  token: string | undefined;
  /** The raw Authorization header (to see that none was sent). */
  authorization: string | undefined;
  status: number;
  bodyBytes: number;
}

export interface ApiServerOptions extends TokenAuthorityOptions {
  /**
   * Hold every 401 until `count` are held (or `timeoutMs` passes), then send
   * them together: proves that many requests were in flight on a stale token.
   */
  holdUnauthorized?: { count: number; timeoutMs: number };
}

/** A protected API and its token endpoint on 127.0.0.1, port 0. */
export interface ApiServer {
  origin: string;
  tokenUrl: string;
  authority: TokenAuthority;
  /** Every protected request, in arrival order. */
  seen: SeenRequest[];
  /** Answer every protected request 401, whatever the token. */
  rejectAll: boolean;
  /** Most protected requests being answered at one moment. */
  maxInFlight(): number;
  /** Most 401s held at once by `holdUnauthorized`. */
  maxHeld(): number;
  close(): Promise<void>;
}

/**
 * `POST /token` is the OAuth2 endpoint; every other path is protected: 200
 * `{ path, id }` when the Bearer token is `check()`==='valid', else 401. The
 * body is read in full first, and `?delay=ms` delays the answer (the token is
 * judged when the answer is sent).
 */
export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const { holdUnauthorized, ...authorityOptions } = options;
  const authority = new TokenAuthority(authorityOptions);
  const seen: SeenRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let held: Array<() => void> = [];
  let holdTimer: NodeJS.Timeout | undefined;
  let inFlight = 0;
  let maxInFlight = 0;
  let maxHeld = 0;
  const state = { rejectAll: false };

  const releaseHeld = () => {
    if (holdTimer) clearTimeout(holdTimer);
    holdTimer = undefined;
    const release = held;
    held = [];
    for (const send of release) send();
  };

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method === 'POST' && url.pathname === '/token') return authority.handle(request, response);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let bodyBytes = 0;
    request.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
    });
    request.on('end', () => {
      const answer = () => {
        const authorization = request.headers.authorization;
        const token = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
        const ok = !state.rejectAll && token !== undefined && authority.check(token) === 'valid';
        const id = request.headers['x-request-id'];
        const entry: SeenRequest = { method: request.method ?? '', path: url.pathname, id: typeof id === 'string' ? id : undefined, token, authorization, status: ok ? 200 : 401, bodyBytes };
        seen.push(entry);
        const send = () => {
          inFlight--;
          if (response.destroyed) return;
          if (ok) {
            response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ path: url.pathname, id: entry.id }));
          } else {
            response.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer error="invalid_token"' });
            response.end(JSON.stringify({ error: 'invalid_token' }));
          }
        };
        if (ok || !holdUnauthorized) return send();
        held.push(send);
        maxHeld = Math.max(maxHeld, held.length);
        if (held.length >= holdUnauthorized.count) releaseHeld();
        else if (!holdTimer) holdTimer = setTimeout(releaseHeld, holdUnauthorized.timeoutMs);
      };
      const delay = Number(url.searchParams.get('delay') ?? 0);
      if (delay > 0) later(delay, answer);
      else answer();
    });
  });
  // Long enough that the token client's pooled socket survives a storm's build-up (close() ends every connection).
  server.keepAliveTimeout = 10_000;
  // 1 000+ simultaneous connects overflow the default backlog of 511.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    tokenUrl: `${origin}/token`,
    authority,
    seen,
    get rejectAll() {
      return state.rejectAll;
    },
    set rejectAll(value: boolean) {
      state.rejectAll = value;
    },
    maxInFlight: () => maxInFlight,
    maxHeld: () => maxHeld,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      releaseHeld();
      authority.close();
      await closeServer(server);
    },
  };
}
