// The benchmark's gateway, in its own process so the client's event loop is
// the only thing the figures measure: a token endpoint (TokenAuthority, with
// latency and rotating refresh tokens), a protected GET /api/data, a ws
// endpoint that checks the Bearer token on upgrade, and /__control/* routes
// the client drives. Prints {"port":N} on stdout once listening.
//
// Options (argv or env): --ttl <s> (BENCH_TTL_S, default 3600),
// --latency <ms> (BENCH_TOKEN_LATENCY_MS, default 20).
import http from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';

const require = createRequire(import.meta.url);
const { TokenAuthority } = require('axios-ws-auth/testing');

const { values: args } = parseArgs({
  options: { ttl: { type: 'string' }, latency: { type: 'string' } },
  strict: false,
});
const config = {
  ttlSeconds: Number(args.ttl ?? process.env.BENCH_TTL_S ?? 3600),
  tokenLatencyMs: Number(args.latency ?? process.env.BENCH_TOKEN_LATENCY_MS ?? 20),
};

let authority = newAuthority();
let counters = zeroCounters();
let tokenBase = authority.stats();
/** ws connection → { channel, token, expiryTimer } */
const sockets = new Map();

function newAuthority() {
  return new TokenAuthority({ accessTokenTtlSeconds: config.ttlSeconds, tokenLatencyMs: config.tokenLatencyMs, rotateRefreshTokens: true });
}

function zeroCounters() {
  return {
    requests: 0,
    ok: 0,
    unauthorized: 0,
    /** Requests that carried a token we issued but which had expired. */
    expiredToken: 0,
    unknownToken: 0,
    missingToken: 0,
    maxInFlightApi: 0,
    ws: { upgrades: 0, accepted: 0, rejectedUpgrades: 0, closedByServer: 0, messages: 0, received: new Map() },
  };
}
let apiInFlight = 0;

function bearer(header) {
  return typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : undefined;
}

function judgeToken(token) {
  if (token === undefined) return 'missing';
  return authority.check(token);
}

function countRejected(state) {
  if (state === 'expired') counters.expiredToken++;
  else if (state === 'unknown') counters.unknownToken++;
  else counters.missingToken++;
}

function sendJson(response, status, body) {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

function readJson(request) {
  return new Promise((resolve) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      try {
        resolve(body ? JSON.parse(body) : {});
      } catch {
        resolve({});
      }
    });
  });
}

function stats() {
  const token = authority.stats();
  const received = [...counters.ws.received.values()];
  return {
    config,
    api: {
      requests: counters.requests,
      ok: counters.ok,
      unauthorized: counters.unauthorized,
      expiredToken: counters.expiredToken,
      unknownToken: counters.unknownToken,
      missingToken: counters.missingToken,
      maxInFlight: counters.maxInFlightApi,
    },
    token: {
      tokenRequests: token.tokenRequests - tokenBase.tokenRequests,
      password: token.grants.password - tokenBase.grants.password,
      refreshToken: token.grants.refresh_token - tokenBase.grants.refresh_token,
      rejected: token.rejected - tokenBase.rejected,
      maxConcurrent: token.maxConcurrentTokenRequests,
    },
    ws: {
      open: sockets.size,
      upgrades: counters.ws.upgrades,
      accepted: counters.ws.accepted,
      rejectedUpgrades: counters.ws.rejectedUpgrades,
      closedByServer: counters.ws.closedByServer,
      messages: counters.ws.messages,
      distinctMessages: received.length,
      duplicatedMessages: received.reduce((sum, n) => sum + (n > 1 ? n - 1 : 0), 0),
    },
  };
}

async function control(request, response, path) {
  const body = request.method === 'POST' ? await readJson(request) : {};
  if (path === '/__control/stats') return sendJson(response, 200, stats());
  if (path === '/__control/reset') {
    // A fresh authority: no token issued before survives, counters start at 0.
    if (body.ttlSeconds !== undefined) config.ttlSeconds = Number(body.ttlSeconds);
    if (body.tokenLatencyMs !== undefined) config.tokenLatencyMs = Number(body.tokenLatencyMs);
    closeAllSockets(1001, 'reset');
    authority.close();
    authority = newAuthority();
    tokenBase = authority.stats();
    counters = zeroCounters();
    return sendJson(response, 200, stats());
  }
  if (path === '/__control/mark') {
    // Counters start over; issued tokens stay valid.
    tokenBase = authority.stats();
    counters = zeroCounters();
    return sendJson(response, 200, stats());
  }
  if (path === '/__control/expire') {
    authority.expireAccessTokens();
    return sendJson(response, 200, { expired: true });
  }
  if (path === '/__control/ws/close-all') {
    // 4401 means "your token is no longer good": make that true before saying it.
    if (body.expire !== false) authority.expireAccessTokens();
    const closed = closeAllSockets(Number(body.code ?? 4401), String(body.reason ?? 'token expired'));
    return sendJson(response, 200, { closed });
  }
  return sendJson(response, 404, { error: 'unknown control route' });
}

function api(request, response) {
  counters.requests++;
  apiInFlight++;
  counters.maxInFlightApi = Math.max(counters.maxInFlightApi, apiInFlight);
  response.on('close', () => apiInFlight--);
  const state = judgeToken(bearer(request.headers.authorization));
  // Drain any body so keep-alive sockets stay usable.
  request.resume();
  if (state === 'valid') {
    counters.ok++;
    return sendJson(response, 200, { ok: true, n: counters.requests });
  }
  counters.unauthorized++;
  countRejected(state);
  response.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
  return sendJson(response, 401, { error: 'invalid_token' });
}

const server = http.createServer((request, response) => {
  const path = (request.url ?? '/').split('?')[0];
  if (path === '/oauth/token' && request.method === 'POST') return authority.handle(request, response);
  if (path === '/api/data') return api(request, response);
  if (path.startsWith('/__control/')) return void control(request, response, path);
  sendJson(response, 404, { error: 'not found' });
});
// Longer than any pause between phases, so a pooled client socket is never
// closed under a request that is reusing it.
server.keepAliveTimeout = 300_000;
server.headersTimeout = 60_000;
server.maxRequestsPerSocket = 0;

const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (request, socket, head) => {
  counters.ws.upgrades++;
  const token = bearer(request.headers.authorization);
  const state = judgeToken(token);
  if (state !== 'valid') {
    counters.ws.rejectedUpgrades++;
    countRejected(state);
    socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  wss.handleUpgrade(request, socket, head, (ws) => accept(ws, token));
});

function accept(ws, token) {
  counters.ws.accepted++;
  const entry = { token, expiryTimer: undefined };
  const expiresAt = authority.inspect(token)?.expiresAt;
  if (expiresAt !== undefined && expiresAt - Date.now() < 2 ** 31 - 1) {
    entry.expiryTimer = setTimeout(() => closeSocket(ws, 4401, 'token expired'), Math.max(0, expiresAt - Date.now()));
  }
  sockets.set(ws, entry);
  ws.on('message', (data) => {
    counters.ws.messages++;
    let message;
    try {
      message = JSON.parse(String(data));
    } catch {
      return;
    }
    if (message && typeof message === 'object' && 'channel' in message && 'seq' in message) {
      const key = `${message.channel}:${message.seq}`;
      counters.ws.received.set(key, (counters.ws.received.get(key) ?? 0) + 1);
      ws.send(JSON.stringify({ echo: true, channel: message.channel, seq: message.seq }));
    }
  });
  ws.on('close', () => {
    clearTimeout(entry.expiryTimer);
    sockets.delete(ws);
  });
  ws.on('error', () => undefined);
}

function closeSocket(ws, code, reason) {
  const entry = sockets.get(ws);
  if (!entry) return;
  clearTimeout(entry.expiryTimer);
  sockets.delete(ws);
  counters.ws.closedByServer++;
  ws.close(code, reason);
  // A client that never answers the close frame must not keep the socket.
  setTimeout(() => ws.terminate(), 2_000).unref();
}

function closeAllSockets(code, reason) {
  const all = [...sockets.keys()];
  for (const ws of all) closeSocket(ws, code, reason);
  return all.length;
}

function shutdown() {
  closeAllSockets(1001, 'server shutting down');
  authority.close();
  wss.close();
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// The parent talks to us over stdin; when it goes away (even killed), so do we.
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
