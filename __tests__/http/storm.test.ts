import axios from 'axios';
import { attachAuth } from '../../lib/http';
import { startHarness, type Harness } from './fixtures';

/**
 * The refresh storm on a real loopback server: every request goes out with
 * a token the server has expired, the server holds every 401 until all of
 * them have arrived (so they are provably in flight together), then answers.
 */
describe('attachAuth refresh storm (real loopback server)', () => {
  const inFlight = 1200;
  let harness: Harness;
  afterEach(() => harness.close());

  it(`${inFlight} requests in flight on an expired token: one token request, each replayed once, all 200`, async () => {
    harness = await startHarness({ tokenLatencyMs: 25, holdUnauthorized: { count: inFlight, timeoutMs: 90_000 } });
    const { server } = harness;
    // A storm on a busy 2-core box (or under --detectOpenHandles) can be slow: no wall-clock limit may decide the outcome.
    const auth = harness.manager({ timeoutMs: 120_000 });
    const api = harness.client();
    attachAuth(api, auth);
    const stale = await auth.getAccessToken();
    server.authority.expireAccessTokens();
    const tokenRequestsBefore = server.authority.stats().tokenRequests;
    const startedAt = performance.now();

    const ids = Array.from({ length: inFlight }, (_, i) => `storm-${i}`);
    const results = await Promise.allSettled(ids.map((id) => api.get(`/items/${id}`, { headers: { 'x-request-id': id } })));
    const elapsedMs = Math.round(performance.now() - startedAt);

    const failures = results.filter((result) => result.status === 'rejected');
    const tokenRequests = server.authority.stats().tokenRequests - tokenRequestsBefore;
    expect(failures).toEqual([]);
    expect(tokenRequests).toBe(1);
    expect(server.authority.stats().maxConcurrentTokenRequests).toBe(1);
    // All of them were at the server with the stale token at the same moment.
    expect(server.maxHeld()).toBe(inFlight);

    const fresh = await auth.getAccessToken();
    expect(fresh).not.toBe(stale);
    const byId = new Map<string, Array<{ status: number; token: string | undefined }>>();
    for (const request of server.seen) byId.set(request.id!, [...(byId.get(request.id!) ?? []), { status: request.status, token: request.token }]);
    for (const [index, id] of ids.entries()) {
      // Exactly one replay per request, with the one new token; each caller got its own answer.
      expect(byId.get(id)).toEqual([
        { status: 401, token: stale },
        { status: 200, token: fresh },
      ]);
      const result = results[index]!;
      expect(result.status === 'fulfilled' && result.value.data).toEqual({ path: `/items/${id}`, id });
    }
    expect(server.seen).toHaveLength(2 * inFlight);
    expect(auth.metrics()).toMatchObject({ refreshes: 1, unauthorized: inFlight });

    const figures = { requestsInFlight: server.maxHeld(), tokenRequests, replays: server.seen.filter((r) => r.status === 200).length, failures: failures.length, elapsedMs };
    process.stdout.write(`storm figures: ${JSON.stringify(figures)}\n`);
  }, 180_000);

  it('three instances and the default axios export sharing one manager: one refresh for all', async () => {
    const perInstance = 300;
    harness = await startHarness({ tokenLatencyMs: 25, holdUnauthorized: { count: 4 * perInstance, timeoutMs: 90_000 } });
    const { server } = harness;
    const auth = harness.manager({ timeoutMs: 120_000 });
    const instances = [harness.client(), harness.client(), harness.client()];
    const detachers = instances.map((instance) => attachAuth(instance, auth));
    detachers.push(attachAuth(axios, auth, { origins: [server.origin] }));
    try {
      await auth.getAccessToken();
      server.authority.expireAccessTokens();
      const before = server.authority.stats().tokenRequests;
      const calls = [...instances, axios].flatMap((instance, n) =>
        Array.from({ length: perInstance }, (_, i) => instance.get(`${server.origin}/shared/${n}-${i}`, { httpAgent: harness.agent })),
      );
      const results = await Promise.allSettled(calls);
      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
      expect(server.authority.stats().tokenRequests - before).toBe(1);
      expect(server.maxHeld()).toBe(4 * perInstance);
      expect(server.seen.filter((request) => request.status === 401)).toHaveLength(4 * perInstance);
    } finally {
      for (const detach of detachers) detach();
    }
  }, 180_000);
});
