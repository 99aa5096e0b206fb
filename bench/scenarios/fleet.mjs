// (f) Fleet: P processes on one identity, each keeping `concurrency` requests
// in flight for `durationMs`; tokens live `ttlSeconds`, refresh tokens rotate
// and the server revokes the whole grant when a rotated-out one comes back
// (reuse detection, as Auth0/Okta/Keycloak/Hydra do). Counted at the server:
// token requests per expiry, revoked grants; at the processes: failures.
// Then the hot path: requests with a RedisTokenStore attached against the
// memory store in one process, paired and alternating (no Redis round trip
// when the token is good).
import { spawn, spawnSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestGateway } from 'axios-ws-auth/testing';
import { median, round } from '../lib/load.mjs';

const WORKER = fileURLToPath(new URL('../lib/fleet-worker.mjs', import.meta.url));
const VARIANTS = [
  { id: 'file', label: 'axios-ws-auth, FileTokenStore (lock)' },
  { id: 'redis', label: 'axios-ws-auth, RedisTokenStore' },
  { id: 'memory', label: 'axios-ws-auth, no shared store' },
  { id: 'axios-auth-refresh', label: 'axios-auth-refresh, per process' },
];

export async function fleet({ processes, ttlSeconds, durationMs, concurrency, hotPathRounds, hotPathRequests }) {
  const redis = await startRedis().catch((error) => ({ unavailable: String(error.message ?? error) }));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-fleet-'));
  const rows = [];
  try {
    for (const variant of VARIANTS) {
      if (variant.id === 'redis' && redis.unavailable) {
        rows.push({ contender: variant.id, label: variant.label, unavailable: redis.unavailable });
        continue;
      }
      const target = variant.id === 'redis' ? redis.url : path.join(dir, `${variant.id}.json`);
      rows.push(await runVariant(variant, target, { processes, ttlSeconds, durationMs, concurrency }));
      if (variant.id === 'redis') await redis.flush();
    }
    const hotPath = redis.unavailable ? { unavailable: redis.unavailable } : await hotPathRatio(redis.url, { rounds: hotPathRounds, requests: hotPathRequests });
    return { settings: { processes, ttlSeconds, durationMs, concurrency }, rows, hotPath };
  } finally {
    await redis.stop?.();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runVariant(variant, target, { processes, ttlSeconds, durationMs, concurrency }) {
  const gateway = await startTestGateway({ accessTokenTtlSeconds: ttlSeconds, rotateRefreshTokens: true, detectReuse: true, tokenLatencyMs: 20 });
  const workers = [];
  try {
    for (let n = 0; n < processes; n++) workers.push(fork(WORKER, [variant.id, target, gateway.tokenUrl, gateway.baseUrl, String(durationMs), String(concurrency)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    const ready = await Promise.all(workers.map((worker) => next(worker, ['ready', 'error'])));
    const failedToStart = ready.find((message) => message.type === 'error');
    if (failedToStart) return { contender: variant.id, label: variant.label, error: failedToStart.message };
    const before = gateway.authority.stats();
    const results = workers.map((worker) => next(worker, ['result']));
    for (const worker of workers) worker.send('go');
    const done = await Promise.all(results);
    const stats = gateway.authority.stats();
    const expiries = durationMs / (ttlSeconds * 1000);
    const tokenRequests = stats.tokenRequests - before.tokenRequests;
    return {
      contender: variant.id,
      label: variant.label,
      requests: done.reduce((sum, result) => sum + result.ok + result.failed, 0),
      tokenRequests,
      perExpiry: round(tokenRequests / expiries, 2),
      revokedGrants: stats.revokedGrants - before.revokedGrants,
      reuses: stats.reuses - before.reuses,
      failed: done.reduce((sum, result) => sum + result.failed, 0),
    };
  } finally {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
    await gateway.close();
  }
}

/** Requests per second with a RedisTokenStore attached ÷ with the memory store, paired rounds in alternating order. */
async function hotPathRatio(redisUrl, { rounds, requests }) {
  const gateway = await startTestGateway({ accessTokenTtlSeconds: 3600 });
  const { AuthManager, MemoryTokenStore, attachAuth } = await import('axios-ws-auth');
  const { RedisTokenStore } = await import('axios-ws-auth/redis');
  const { default: Redis } = await import('ioredis');
  const { default: axios } = await import('axios');
  const http = await import('node:http');
  const client = new Redis(redisUrl);
  const make = (store) => {
    const auth = new AuthManager({ grant: 'password', tokenUrl: gateway.tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password', store });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const api = axios.create({ baseURL: gateway.baseUrl, httpAgent: agent });
    attachAuth(api, auth);
    return { auth, api, agent };
  };
  const contenders = { memory: make(new MemoryTokenStore()), redis: make(new RedisTokenStore({ client })) };
  const rate = async ({ api }) => {
    const started = performance.now();
    let left = requests;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (left-- > 0) await api.get('/api/v1/health');
    }));
    return requests / ((performance.now() - started) / 1000);
  };
  try {
    for (const contender of Object.values(contenders)) await rate({ api: contender.api }); // warm: login, sockets, JIT
    const commandsBefore = Number((await client.info('stats')).match(/total_commands_processed:(\d+)/)?.[1] ?? 0);
    const ratios = [];
    for (let n = 0; n < rounds; n++) {
      const order = n % 2 === 0 ? ['memory', 'redis'] : ['redis', 'memory'];
      const measured = {};
      for (const name of order) measured[name] = await rate(contenders[name]);
      ratios.push(measured.redis / measured.memory);
    }
    const commandsAfter = Number((await client.info('stats')).match(/total_commands_processed:(\d+)/)?.[1] ?? 0);
    return { rounds, requests, ratio: round(median(ratios), 3), minRatio: round(Math.min(...ratios), 3), maxRatio: round(Math.max(...ratios), 3), redisCommandsDuringRounds: commandsAfter - commandsBefore - 1 };
  } finally {
    for (const { auth, agent } of Object.values(contenders)) {
      auth.close();
      agent.destroy();
    }
    client.disconnect();
    await gateway.close();
  }
}

function next(worker, types) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fleet worker ${worker.pid}: no ${types.join('/')} within 120 s`)), 120_000);
    worker.on('message', function onMessage(message) {
      if (!types.includes(message?.type)) return;
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve(message);
    });
    worker.once('exit', (code) => (clearTimeout(timer), reject(new Error(`fleet worker ${worker.pid} exited (${code})`))));
  });
}

/** A redis-server of the bench's own on a free loopback port, no persistence; or why not. */
async function startRedis() {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('redis-server not installed (apt-get install -y redis-server)');
  const port = await new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-redis-'));
  const child = spawn(found, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve, reject) => {
    // A server that never says it is ready is killed, not left behind.
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error('redis-server did not start within 10 s'))), 10_000);
    child.stdout.on('data', (chunk) => String(chunk).includes('Ready to accept connections') && (clearTimeout(timer), resolve()));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`redis-server exited (${code})`))));
  });
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    flush: async () => {
      const { default: Redis } = await import('ioredis');
      const client = new Redis(url);
      await client.flushall();
      client.disconnect();
    },
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
