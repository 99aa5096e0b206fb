import http from 'node:http';
import axios from 'axios';
import { AuthManager, attachAuth, type Logger } from '../../lib';
import { startApiServer, type ApiServer } from '../helpers/api-server';
import { pause } from '../helpers/settle';
import { startRawServer } from '../helpers/token-server';

/** A token endpoint handing out opaque tokens with this `expires_in`, counting requests. */
function startShortLivedTokens(expiresIn: number) {
  let issued = 0;
  return startRawServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ access_token: `opaque-${++issued}`, token_type: 'Bearer', expires_in: expiresIn }));
    });
  });
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, error() {}, warn: (message) => warnings.push(message) };
}

/** `callers` loops of getAccessToken() for `ms` of real time (bounded in count too); resolves to the calls made. */
async function busyCallers(auth: AuthManager, callers: number, ms: number): Promise<number> {
  const until = Date.now() + ms;
  let calls = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      for (let i = 0; i < 50_000 && Date.now() < until; i++) {
        await auth.getAccessToken().catch(() => undefined);
        calls++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  return calls;
}

// Real time windows below only bound counts from above: a slow machine makes fewer requests, never more.
describe('a token that arrives already due causes no tight loop', () => {
  it('a 1 ms lifetime (shorter than the round trip) with autoRefresh and no callers: refreshes spaced by the backoff', async () => {
    const server = await startShortLivedTokens(0.001);
    const logger = recordingLogger();
    const auth = new AuthManager({ grant: 'client_credentials', tokenUrl: server.url, clientId: 'c', clientSecret: 's', autoRefresh: true, logger });
    try {
      await auth.getAccessToken();
      await pause(1_500);
      // Before: ~500 token requests in this window. After: at 0 s and 1 s (then 3 s, 7 s…).
      expect(server.hits()).toBeGreaterThanOrEqual(1);
      expect(server.hits()).toBeLessThanOrEqual(3);
      expect(logger.warnings.some((message) => message.includes('already due'))).toBe(true);
    } finally {
      auth.close();
      await server.close();
    }
  });

  it('a 1 ms lifetime with 8 busy callers: token requests bounded by the backoff, every caller gets a token', async () => {
    const server = await startShortLivedTokens(0.001);
    const auth = new AuthManager({ grant: 'client_credentials', tokenUrl: server.url, clientId: 'c', clientSecret: 's' });
    try {
      const calls = await busyCallers(auth, 8, 1_500);
      expect(calls).toBeGreaterThan(100);
      // Before: ~370 token requests per second. After: at most one per backoff step.
      expect(server.hits()).toBeLessThanOrEqual(3);
    } finally {
      await server.close();
    }
  });

  it('expires_in: 0 is an unknown expiry (a warning through the logger): used until a 401', async () => {
    const server = await startShortLivedTokens(0);
    const logger = recordingLogger();
    const auth = new AuthManager({ grant: 'client_credentials', tokenUrl: server.url, clientId: 'c', clientSecret: 's', autoRefresh: true, logger });
    try {
      await busyCallers(auth, 8, 500);
      expect(server.hits()).toBe(1);
      expect(logger.warnings).toEqual([expect.stringContaining('expires_in')]);
      await auth.handleUnauthorized('opaque-1');
      expect(await auth.getAccessToken()).toBe('opaque-2');
      expect(server.hits()).toBe(2);
    } finally {
      auth.close();
      await server.close();
    }
  });
});

describe('a resource server that refuses every token', () => {
  let api: ApiServer;
  let agent: http.Agent;
  beforeEach(async () => {
    api = await startApiServer();
    api.rejectAll = true;
    agent = new http.Agent({ keepAlive: true });
  });
  afterEach(async () => {
    agent.destroy();
    await api.close();
  });

  it('16 callers for 5 s (injected clock): a fresh token refused again backs off; token requests stay a handful', async () => {
    const clock = { now: Date.now() };
    const auth = new AuthManager({ grant: 'password', tokenUrl: api.tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password', now: () => clock.now, retryDelayMs: 1_000 });
    const failures: string[] = [];
    auth.on('refreshFailed', (event) => failures.push(event.error.code));
    const errors: unknown[] = [];
    auth.on('error', (error) => errors.push(error));
    const client = axios.create({ baseURL: api.origin, httpAgent: agent });
    attachAuth(client, auth);

    // 50 rounds of 16 concurrent requests, 100 ms apart on the manager's clock: 5 s.
    const statuses = new Map<string, number>();
    for (let round = 0; round < 50; round++) {
      const outcomes = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => client.get(`/r${round}/${i}`)));
      for (const outcome of outcomes) {
        const key = outcome.status === 'fulfilled' ? 'ok' : ((outcome.reason as { code?: string }).code ?? 'other');
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
      clock.now += 100;
    }
    // Before: a refresh for every round (≥ 50 token requests, rising with time). After: the first
    // token, one refresh, then one try per backoff step (1 s, 2 s): 4.
    const tokenRequests = api.authority.stats().tokenRequests;
    expect(tokenRequests).toBeGreaterThanOrEqual(2);
    expect(tokenRequests).toBeLessThanOrEqual(6);
    expect(statuses.get('ok')).toBeUndefined();
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(new Set(failures)).toEqual(new Set(['AUTH_FAILED']));
    expect(errors).toEqual([]); // retryable: the grant works, the resource server refuses
  });

  it('a token that was not a fresh replacement is refreshed on its first 401 as always', async () => {
    api.rejectAll = false;
    const clock = { now: Date.now() };
    const auth = new AuthManager({ grant: 'password', tokenUrl: api.tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password', now: () => clock.now });
    const first = await auth.getAccessToken();
    await auth.handleUnauthorized(first);
    const second = await auth.getAccessToken();
    clock.now += 60_000;
    await auth.refreshAccessToken(); // a refresh not caused by a refusal
    const third = await auth.getAccessToken();
    await auth.handleUnauthorized(third);
    expect(await auth.getAccessToken()).not.toBe(third);
    expect(second).not.toBe(first);
    expect(api.authority.stats().grants).toMatchObject({ password: 1, refresh_token: 3 });
  });
});
