import axios from 'axios';
import { AuthError } from '../../lib/errors';
import { attachAuth } from '../../lib/http';
import { attemptsOf, startHarness, type Harness } from './fixtures';

const withId = (id: string) => ({ headers: { 'x-request-id': id } });
const settle = (promise: Promise<unknown>) => promise.then(() => 'resolved' as const, (error: unknown) => error);

describe('attachAuth: aborted requests and authentication that fails for good', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('an abort while waiting for a refresh (before sending) rejects at once, as axios.isCancel', async () => {
    harness = await startHarness({ tokenLatencyMs: 300 });
    const auth = harness.manager();
    const api = harness.client();
    attachAuth(api, auth);
    const stale = await auth.getAccessToken();
    harness.server.authority.expireAccessTokens();
    const order: string[] = [];
    const refreshing = auth.handleUnauthorized(stale).then(() => order.push('refreshed'));
    const controller = new AbortController();
    const request = settle(api.get('/aborted', { ...withId('aborted'), signal: controller.signal })).then((outcome) => (order.push('request settled'), outcome));
    setTimeout(() => controller.abort(), 20);

    const outcome = await request;
    await refreshing;
    expect(axios.isCancel(outcome)).toBe(true);
    expect(outcome).toMatchObject({ code: 'ERR_CANCELED', message: expect.stringContaining('waiting for authentication') });
    expect(order).toEqual(['request settled', 'refreshed']);
    expect(attemptsOf(harness.server, 'aborted')).toEqual([]);

    // Already aborted: rejected without waiting or sending.
    const already = await settle(api.get('/already', { ...withId('already'), signal: AbortSignal.abort() }));
    expect(axios.isCancel(already)).toBe(true);
    expect(attemptsOf(harness.server, 'already')).toEqual([]);
  });

  it('an abort while waiting for the refresh after a 401 rejects at once and is not replayed', async () => {
    harness = await startHarness({ tokenLatencyMs: 300 });
    const auth = harness.manager();
    const api = harness.client();
    attachAuth(api, auth);
    await auth.getAccessToken();
    harness.server.authority.expireAccessTokens();
    const controller = new AbortController();
    const order: string[] = [];
    auth.once('unauthorized', () => setTimeout(() => controller.abort(), 10));
    auth.once('token', () => order.push('new token'));

    const outcome = await settle(api.get('/abort-on-401', { ...withId('a401'), signal: controller.signal }));
    order.push('request settled');
    await auth.getAccessToken(); // let the shared refresh finish
    expect(axios.isCancel(outcome)).toBe(true);
    expect(order).toEqual(['request settled', 'new token']);
    expect(attemptsOf(harness.server, 'a401').map((attempt) => attempt.status)).toEqual([401]);
  });

  it('when authentication fails for good, every waiting request rejects with the same AuthError; later requests fail fast, then try again', async () => {
    const waiting = 50;
    harness = await startHarness({ holdUnauthorized: { count: waiting, timeoutMs: 20_000 } });
    let clock = Date.now();
    const auth = harness.manager({ now: () => clock, retryDelayMs: 1000 });
    const { server } = harness;
    const api = harness.client();
    attachAuth(api, auth);
    const stale = await auth.getAccessToken();
    server.authority.expireAccessTokens();
    // The refresh grant and then the full authentication are both refused.
    server.authority.failTokenRequests(2, 400);
    const before = server.authority.stats().tokenRequests;

    const outcomes = await Promise.all(Array.from({ length: waiting }, (_, i) => settle(api.get(`/doomed/${i}`))));
    const [first] = outcomes;
    expect(first).toBeInstanceOf(AuthError);
    expect(first).toMatchObject({ retryable: false });
    expect(outcomes.every((outcome) => outcome === first)).toBe(true);
    expect(server.authority.stats().tokenRequests - before).toBe(2);
    const serialized = `${(first as Error).message} ${JSON.stringify(first)} ${String((first as Error).cause ?? '')}`;
    expect(serialized).not.toContain(stale);
    expect(serialized).not.toContain('password');

    // Within the backoff interval: the same error at once, nothing sent.
    const seenBefore = server.seen.length;
    expect(await settle(api.get('/fast-fail'))).toBe(first);
    expect(server.authority.stats().tokenRequests - before).toBe(2);
    expect(server.seen).toHaveLength(seenBefore);

    // After it, the next request authenticates again and goes through.
    clock += 1_500;
    await expect(api.get('/recovered')).resolves.toMatchObject({ status: 200 });
    expect(server.authority.stats().tokenRequests - before).toBe(3);
  });
});
