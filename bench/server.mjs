// The benchmark's gateway, in its own process so the client's event loop is
// the only thing the figures measure: the package's own test gateway
// (axios-ws-auth/testing: token endpoint with latency and rotating refresh
// tokens, the protected API at /api/data, the stream at /ws/<id>), plus the
// /__control/* routes the bench drives, on a second port. Prints
// {"port":N,"controlPort":M} on stdout once listening.
//
// Options (argv or env): --ttl <s> (BENCH_TTL_S, default 3600),
// --latency <ms> (BENCH_TOKEN_LATENCY_MS, default 20).
import http from 'node:http';
import { parseArgs } from 'node:util';
import { startTestGateway } from 'axios-ws-auth/testing';

const { values: args } = parseArgs({ options: { ttl: { type: 'string' }, latency: { type: 'string' } }, strict: false });
const config = {
  ttlSeconds: Number(args.ttl ?? process.env.BENCH_TTL_S ?? 3600),
  tokenLatencyMs: Number(args.latency ?? process.env.BENCH_TOKEN_LATENCY_MS ?? 20),
};

const gateway = await startTestGateway({
  accessTokenTtlSeconds: config.ttlSeconds,
  tokenLatencyMs: config.tokenLatencyMs,
  rotateRefreshTokens: true,
  paths: { health: '/api/data', token: '/oauth/token', stream: '/ws/:id' },
  // A pause between phases (a full GC, control calls) must not close a pooled socket as the client reuses it ("socket hang up").
  keepAliveTimeoutMs: 300_000,
});
// Counters are reported since the last mark (or reset).
let base = gateway.stats();
let receivedBase = 0;

const sum = (counts) => Object.values(counts).reduce((total, n) => total + n, 0);

function stats() {
  const now = gateway.stats();
  const messages = gateway.streams.received.slice(receivedBase).filter((message) => message && typeof message === 'object' && 'channel' in message && 'seq' in message);
  const distinct = new Set(messages.map((message) => `${message.channel}:${message.seq}`)).size;
  const health = (stats) => stats.http.byRoute.health ?? 0;
  return {
    config,
    api: {
      requests: health(now) - health(base),
      expiredToken: now.expiredTokenRequests - base.expiredTokenRequests,
    },
    token: {
      tokenRequests: now.token.tokenRequests - base.token.tokenRequests,
      password: now.token.grants.password - base.token.grants.password,
      refreshToken: now.token.grants.refresh_token - base.token.grants.refresh_token,
      rejected: now.token.rejected - base.token.rejected,
      maxConcurrent: now.token.maxConcurrentTokenRequests,
    },
    ws: {
      open: now.ws.open,
      opened: now.ws.opened - base.ws.opened,
      rejectedUpgrades: sum(now.ws.rejectedUpgrades) - sum(base.ws.rejectedUpgrades),
      messages: now.ws.messagesReceived - base.ws.messagesReceived,
      distinctMessages: distinct,
      duplicatedMessages: messages.length - distinct,
    },
  };
}

function mark() {
  base = gateway.stats();
  receivedBase = gateway.streams.received.length;
}

const routes = {
  '/__control/stats': () => stats(),
  '/__control/reset': (body) => {
    // No token issued before survives; counters start at 0.
    if (body.ttlSeconds !== undefined) config.ttlSeconds = Number(body.ttlSeconds);
    if (body.tokenLatencyMs !== undefined) config.tokenLatencyMs = Number(body.tokenLatencyMs);
    gateway.dropConnections(1001);
    gateway.authority.reset({ accessTokenTtlSeconds: config.ttlSeconds, tokenLatencyMs: config.tokenLatencyMs });
    mark();
    return stats();
  },
  '/__control/mark': () => (mark(), stats()),
  '/__control/expire': () => (gateway.expireAccessTokens(), { expired: true }),
  // 4401 means "your token is no longer good": expiring makes that true, and closes every stream with it.
  '/__control/ws/close-all': (body) => {
    const open = gateway.stats().ws.open;
    if (body.expire === false) gateway.dropConnections(Number(body.code ?? 4401));
    else gateway.expireAccessTokens();
    return { closed: open };
  },
};

const control = http.createServer((request, response) => {
  let text = '';
  request.setEncoding('utf8');
  request.on('data', (chunk) => (text += chunk));
  request.on('end', () => {
    const route = routes[(request.url ?? '/').split('?')[0]];
    let body = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      // an empty body
    }
    const answer = route ? route(body) : { error: 'unknown control route' };
    const json = JSON.stringify(answer);
    response.writeHead(route ? 200 : 404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
    response.end(json);
  });
});

function shutdown() {
  control.closeAllConnections();
  control.close();
  gateway.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// The parent talks to us over stdin; when it goes away (even killed), so do we.
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();

control.listen(0, '127.0.0.1', () => {
  const port = Number(new URL(gateway.baseUrl).port);
  process.stdout.write(`${JSON.stringify({ port, controlPort: control.address().port })}\n`);
});
