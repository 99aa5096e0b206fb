// One process of the fleet scenario: `concurrency` requests in flight for
// `durationMs` against the gateway, through the package as users install it.
//   argv: <variant: file | redis | memory | axios-auth-refresh> <file or redis url> <tokenUrl> <baseUrl> <durationMs> <concurrency>
import http from 'node:http';
import axios from 'axios';
import { createAuthRefreshInterceptor } from 'axios-auth-refresh';
import { AuthManager, FileTokenStore, MemoryTokenStore, attachAuth } from 'axios-ws-auth';

const [variant, target, tokenUrl, baseUrl, durationText, concurrencyText] = process.argv.slice(2);
const durationMs = Number(durationText);
const concurrency = Number(concurrencyText);
const credentials = { clientId: 'benchmark-client', username: 'user@example.com', password: 'password' };
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const api = axios.create({ baseURL: baseUrl, timeout: 10_000, httpAgent: agent });
const closers = [() => agent.destroy()];

async function ours(store) {
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const auth = new AuthManager({ grant: 'password', tokenUrl, ...credentials, store, logger: silent });
  attachAuth(api, auth);
  closers.push(() => auth.close());
  await auth.getAccessToken();
}

/** axios-auth-refresh as its README shows it: a login per process, a refresh on each 401. */
async function peer() {
  const form = (fields) => new URLSearchParams({ client_id: credentials.clientId, ...fields }).toString();
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  let tokens = (await axios.post(tokenUrl, form({ grant_type: 'password', username: credentials.username, password: credentials.password }), { headers })).data;
  api.interceptors.request.use((config) => {
    config.headers.Authorization = `Bearer ${tokens.access_token}`;
    return config;
  });
  createAuthRefreshInterceptor(api, async (failed) => {
    tokens = (await axios.post(tokenUrl, form({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }), { headers })).data;
    failed.response.config.headers.Authorization = `Bearer ${tokens.access_token}`;
  });
}

async function setUp() {
  if (variant === 'file') return ours(new FileTokenStore(target, { onWarning: () => {} }));
  if (variant === 'memory') return ours(new MemoryTokenStore());
  if (variant === 'redis') {
    const { RedisTokenStore } = await import('axios-ws-auth/redis');
    const { default: Redis } = await import('ioredis');
    const client = new Redis(target, { maxRetriesPerRequest: 1 });
    closers.push(() => client.disconnect());
    await new Promise((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', resolve)));
    return ours(new RedisTokenStore({ client, onWarning: () => {} }));
  }
  return peer();
}

process.once('message', async (message) => {
  if (message !== 'go') return;
  const deadline = Date.now() + durationMs;
  let ok = 0;
  let failed = 0;
  const lane = async () => {
    while (Date.now() < deadline) {
      try {
        await api.get('/api/v1/health');
        ok++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  process.send({ type: 'result', ok, failed });
  for (const close of closers) close();
  process.disconnect();
});

setUp().then(
  () => process.send({ type: 'ready' }),
  (error) => {
    process.send({ type: 'error', message: String(error?.message ?? error) });
    process.disconnect();
  },
);
