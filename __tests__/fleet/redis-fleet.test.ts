import { inspect } from 'node:util';
import { AuthManager } from '../../lib';
import { parseConfig } from '../../lib/config';
import type { TestGateway } from '../../lib/testing';
import { describeWith } from '../support/requirements';
import { startRedis, type TestRedis } from '../support/redis-server';
import { Fleet, PROCESSES, REQUESTS, ROUNDS, fleetGateway, runRounds } from './fleet';

const { describe: withRedis, binaryPath } = describeWith('redis-server');

withRedis('a fleet of processes on one identity, RedisTokenStore (a real redis-server; reuse detection at the server)', () => {
  let gateway: TestGateway;
  let redis: TestRedis;
  let fleet: Fleet | undefined;
  beforeEach(async () => {
    gateway = await fleetGateway();
    redis = await startRedis(binaryPath);
  });
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
    await gateway.close();
    await redis.close();
  });

  it(`${PROCESSES} processes × ${REQUESTS} requests, ${ROUNDS - 1} expiries → 1 token request per expiry, 0 revoked, 0 failed`, async () => {
    fleet = await Fleet.start(PROCESSES, { store: 'redis', target: redis.url, tokenUrl: gateway.tokenUrl, baseUrl: gateway.baseUrl });
    const run = await runRounds(gateway, fleet);
    const stats = gateway.authority.stats();
    const storeErrors = run.results.at(-1)!.map((result) => result.metrics.storeErrors);
    console.log(`[fleet] redis: token requests per round ${JSON.stringify(run.perRound.map((r) => r.tokenRequests))}, revoked ${stats.revokedGrants}, failed ${run.perRound.reduce((s, r) => s + r.failed, 0)}, store errors per process ${JSON.stringify(storeErrors)}`);
    // With the store answering, one token request per expiry. A store error (a connection reset on a loaded
    // machine) sends that process to its own single flight by design: then no failure and no revocation is the claim.
    if (storeErrors.every((count) => count === 0)) {
      expect(run.perRound.map((round) => round.tokenRequests)).toEqual(Array(ROUNDS).fill(1));
      expect(stats.revokedGrants).toBe(0);
      expect(stats.reuses).toBe(0);
    }
    expect(run.perRound.every((round) => round.failed === 0)).toBe(true);
  }, 60_000);

  it('Redis stopped mid-run, then started again: 0 failed requests, the store errors counted, then one refresh per expiry again', async () => {
    fleet = await Fleet.start(PROCESSES, { store: 'redis', target: redis.url, tokenUrl: gateway.tokenUrl, baseUrl: gateway.baseUrl });
    const run = await runRounds(gateway, fleet, 7, async (round) => {
      if (round === 2) await redis.stop();
      if (round === 4) {
        await redis.start();
        await new Promise((resolve) => setTimeout(resolve, 500)); // the clients reconnect (retry every 200 ms)
      }
    });
    const failed = run.perRound.reduce((sum, round) => sum + round.failed, 0);
    const storeErrors = run.results.at(-1)!.reduce((sum, result) => sum + result.metrics.storeErrors, 0);
    console.log(`[fleet] redis outage (rounds 2-3): token requests per round ${JSON.stringify(run.perRound.map((r) => r.tokenRequests))}, store errors ${storeErrors}, failed ${failed}`);
    expect(failed).toBe(0);
    expect(storeErrors).toBeGreaterThan(0);
    // After the restart (and one round to agree on a token set again), one token request per expiry.
    expect(run.perRound.slice(5).map((round) => round.tokenRequests)).toEqual([1, 1]);
  }, 90_000);
});

withRedis('token_cache: a redis:// URL in the YAML', () => {
  let redis: TestRedis;
  let gateway: TestGateway;
  beforeEach(async () => {
    redis = await startRedis(binaryPath, { password: 'redis-Secret-771' });
    gateway = await fleetGateway();
  });
  afterEach(async () => {
    await gateway.close();
    await redis.close();
  });

  it('two managers from one config share tokens through Redis (the password from ${VAR}); close() ends the connection; nothing prints the password', async () => {
    const config = parseConfig(
      `gateway:
  auth_type: jwt
  base_url: "${gateway.baseUrl}"
  token_cache: "redis://:\${REDIS_PASSWORD}@127.0.0.1:${redis.port}/0"
  jwt:
    auth_url: "${gateway.tokenUrl}"
    username: "user@example.com"
    password: "password"
    client_id: "benchmark-client"
`,
      { env: { REDIS_PASSWORD: 'redis-Secret-771' } },
    );
    const first = AuthManager.fromConfig(config);
    const second = AuthManager.fromConfig(config);
    try {
      const token = await first.getAccessToken();
      expect(await second.getAccessToken()).toBe(token);
      expect(second.metrics().storeHits).toBe(1);
      expect(gateway.authority.stats().tokenRequests).toBe(1);
      for (const printed of [inspect(first, { depth: Infinity, showHidden: true }), JSON.stringify(first)]) expect(printed).not.toContain('redis-Secret-771');
    } finally {
      first.close();
      second.close();
    }
  });
});
