import { Readable } from 'node:stream';
import axios, { type AxiosError } from 'axios';
import { AuthError } from '../../lib/errors';
import { attachAuth } from '../../lib/http';
import { startApiServer } from '../helpers/api-server';
import { attemptsOf, startHarness, type Harness } from './fixtures';

const withId = (id: string) => ({ headers: { 'x-request-id': id } });
const failure = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a rejection'); }, (error: unknown) => error as AxiosError);

describe('attachAuth on a real loopback API', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('adds the Bearer token; detach() removes both interceptors', async () => {
    harness = await startHarness();
    const auth = harness.manager();
    const api = harness.client();
    const detach = attachAuth(api, auth);
    await expect(api.get('/a', withId('a'))).resolves.toMatchObject({ status: 200 });
    expect(attemptsOf(harness.server, 'a')).toEqual([expect.objectContaining({ status: 200, token: await auth.getAccessToken() })]);

    detach();
    detach(); // idempotent
    harness.server.authority.expireAccessTokens();
    const error = await failure(api.get('/b', withId('b')));
    expect(error.response?.status).toBe(401);
    expect(attemptsOf(harness.server, 'b')).toEqual([expect.objectContaining({ authorization: undefined })]);
    expect(harness.server.authority.stats().tokenRequests).toBe(1);
  });

  it('a request issued while a refresh is in flight waits for it: no stale token goes out', async () => {
    harness = await startHarness({ tokenLatencyMs: 150 });
    const auth = harness.manager();
    const api = harness.client();
    attachAuth(api, auth);
    const stale = await auth.getAccessToken();
    harness.server.authority.expireAccessTokens();
    const refreshing = auth.handleUnauthorized(stale);
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => api.get(`/during/${i}`)));
    await refreshing;
    const fresh = await auth.getAccessToken();
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(new Set(harness.server.seen.map((request) => request.token))).toEqual(new Set([fresh]));
    expect(harness.server.seen.filter((request) => request.status === 401)).toEqual([]);
    expect(harness.server.authority.stats().grants).toMatchObject({ password: 1, refresh_token: 1 });
  });

  it('a late 401 for an already replaced token replays without a new refresh', async () => {
    harness = await startHarness();
    const auth = harness.manager();
    const api = harness.client();
    let markSent!: () => void;
    const sent = new Promise<void>((resolve) => (markSent = resolve));
    // Registered before attachAuth, so it runs after ours: the header is set by then.
    api.interceptors.request.use((config) => {
      markSent();
      return config;
    });
    attachAuth(api, auth);
    const stale = await auth.getAccessToken();
    harness.server.authority.expireAccessTokens();
    const late = api.get('/slow?delay=200', withId('late'));
    await sent;
    const fresh = await auth.refreshAccessToken();
    const before = harness.server.authority.stats().tokenRequests;
    const staleFlags: boolean[] = [];
    auth.on('unauthorized', (event) => staleFlags.push(event.stale));

    await expect(late).resolves.toMatchObject({ status: 200 });
    expect(attemptsOf(harness.server, 'late').map(({ status, token }) => ({ status, token }))).toEqual([
      { status: 401, token: stale },
      { status: 200, token: fresh },
    ]);
    expect(harness.server.authority.stats().tokenRequests).toBe(before);
    expect(staleFlags).toEqual([true]);
  });

  it('a replayed request that gets 401 again goes back to the caller; maxRetries bounds the replays', async () => {
    harness = await startHarness();
    const auth = harness.manager();
    const { server } = harness;
    server.rejectAll = true;
    attachAuth(harness.client(), auth); // a second instance on the same manager changes nothing
    const once = harness.client();
    attachAuth(once, auth);
    const error = await failure(once.get('/never', withId('once')));
    expect(error.response?.status).toBe(401);
    expect(attemptsOf(server, 'once')).toHaveLength(2);
    expect(server.authority.stats().grants).toMatchObject({ password: 1, refresh_token: 1 });

    // More replays allowed, but the fresh token was refused again: no new token request; the server's 401 goes back.
    const thrice = harness.client();
    attachAuth(thrice, auth, { maxRetries: 3 });
    const refused = await failure(thrice.get('/never', withId('thrice')));
    expect(refused.response?.status).toBe(401);
    expect(refused.cause).toMatchObject({ code: 'AUTH_FAILED', retryable: true });
    expect(attemptsOf(server, 'thrice')).toHaveLength(1);
    expect(server.authority.stats().grants).toMatchObject({ password: 1, refresh_token: 1 });

    // Meanwhile requests on the refused token fail fast: no request, no token request, until the backoff ends.
    await expect(once.get('/never', withId('fast'))).rejects.toMatchObject({ code: 'AUTH_FAILED', retryable: true });
    expect(attemptsOf(server, 'fast')).toHaveLength(0);
    expect(server.authority.stats().tokenRequests).toBe(2);

    const none = harness.client();
    attachAuth(none, harness.manager(), { maxRetries: 0 });
    expect((await failure(none.get('/never', withId('none')))).response?.status).toBe(401);
    expect(attemptsOf(server, 'none')).toHaveLength(1);
  });

  it('per request { retryOn401: false } and { skipAuth: true }; per request retryOn401 overrides the option', async () => {
    harness = await startHarness();
    const auth = harness.manager();
    const { server } = harness;
    const api = harness.client();
    attachAuth(api, auth);
    await auth.getAccessToken();
    server.authority.expireAccessTokens();

    expect((await failure(api.get('/no-retry', { ...withId('no-retry'), retryOn401: false }))).response?.status).toBe(401);
    expect(attemptsOf(server, 'no-retry')).toHaveLength(1);
    // Not replayed, but reported: the manager refreshes so the next request has a good token.
    const fresh = await auth.getAccessToken();
    expect(server.authority.check(fresh)).toBe('valid');
    expect(server.authority.stats().tokenRequests).toBe(2);
    expect((await failure(api.get('/public', { ...withId('skip'), skipAuth: true }))).response?.status).toBe(401);
    expect(attemptsOf(server, 'skip')).toEqual([expect.objectContaining({ authorization: undefined })]);
    expect(server.authority.stats().tokenRequests).toBe(2);

    const cautious = harness.client();
    attachAuth(cautious, auth, { retryOn401: false });
    await api.get('/ok'); // the fresh token works: a later 401 for it is an expiry, not a refusal of every token
    server.authority.expireAccessTokens();
    expect((await failure(cautious.get('/x', withId('cautious')))).response?.status).toBe(401);
    await auth.getAccessToken();
    await api.get('/ok');
    server.authority.expireAccessTokens();
    await expect(cautious.get('/x', { ...withId('opt-in'), retryOn401: true })).resolves.toMatchObject({ status: 200 });
    expect(attemptsOf(server, 'cautious')).toHaveLength(1);
    expect(attemptsOf(server, 'opt-in')).toHaveLength(2);
  });

  it('credentials only go to the allowed origins', async () => {
    harness = await startHarness();
    const other = await startApiServer();
    try {
      const auth = harness.manager();
      const api = harness.client();
      attachAuth(api, auth);
      await expect(api.get(`${harness.server.origin}/absolute-same-origin`, withId('same'))).resolves.toMatchObject({ status: 200 });
      expect(attemptsOf(harness.server, 'same')[0]?.token).toBe(await auth.getAccessToken());

      expect((await failure(api.get(`${other.origin}/foreign`, withId('foreign')))).response?.status).toBe(401);
      expect((await failure(api.get('/override', { ...withId('override'), baseURL: other.origin }))).response?.status).toBe(401);
      expect((await failure(api.get('/no-absolute', { ...withId('pinned'), baseURL: other.origin, allowAbsoluteUrls: false }))).response?.status).toBe(401);
      // No credentials and no refresh or replay for a foreign 401.
      expect(other.seen.map(({ id, authorization }) => ({ id, authorization }))).toEqual([
        { id: 'foreign', authorization: undefined },
        { id: 'override', authorization: undefined },
        { id: 'pinned', authorization: undefined },
      ]);
      expect(harness.server.authority.stats().tokenRequests).toBe(1);

      const both = harness.client();
      attachAuth(both, auth, { origins: [harness.server.origin, `${other.origin}/any/path`] });
      const carried = await auth.getAccessToken();
      await failure(both.get(`${other.origin}/listed`, { ...withId('listed'), retryOn401: false }));
      expect(attemptsOf(other, 'listed')[0]?.token).toBe(carried);
    } finally {
      await other.close();
    }
  });

  it('a stream body is not replayed: the 401 comes back explained, the next request has a fresh token', async () => {
    harness = await startHarness();
    const auth = harness.manager();
    const { server } = harness;
    const api = harness.client();
    attachAuth(api, auth);
    const stale = await auth.getAccessToken();
    server.authority.expireAccessTokens();

    const error = await failure(api.post('/upload', Readable.from([Buffer.from('abc')]), { headers: { 'x-request-id': 'stream', 'content-type': 'application/octet-stream' } }));
    expect(axios.isAxiosError(error)).toBe(true);
    expect(error.response?.status).toBe(401);
    expect(error.cause).toBeInstanceOf(AuthError);
    expect(error.cause).toMatchObject({ code: 'NOT_REPLAYABLE', message: expect.stringContaining('stream') });
    expect(attemptsOf(server, 'stream')).toEqual([expect.objectContaining({ status: 401, bodyBytes: 3 })]);

    // A buffer body is replayed byte for byte, with the token refreshed in the background.
    await expect(api.post('/upload', Buffer.from('abcdef'), withId('buffer'))).resolves.toMatchObject({ status: 200 });
    const attempts = attemptsOf(server, 'buffer');
    expect(attempts.map(({ status, bodyBytes }) => [status, bodyBytes])).toEqual([[200, 6]]);
    expect(attempts[0]?.token).not.toBe(stale);
    expect(server.authority.stats().grants.refresh_token).toBe(1);
  });

  it('a JSON body is replayed intact', async () => {
    harness = await startHarness();
    const auth = harness.manager();
    const api = harness.client();
    attachAuth(api, auth);
    await auth.getAccessToken();
    harness.server.authority.expireAccessTokens();
    await expect(api.post('/json', { name: 'a' }, withId('json'))).resolves.toMatchObject({ status: 200 });
    expect(attemptsOf(harness.server, 'json').map(({ status, bodyBytes }) => [status, bodyBytes])).toEqual([
      [401, 12],
      [200, 12],
    ]);
  });

  it('user interceptors registered before and after attachAuth keep working', async () => {
    harness = await startHarness();
    const auth = harness.manager();
    const api = harness.client();
    const order: string[] = [];
    const status = (value: { status?: number; response?: { status: number } }) => value.status ?? value.response?.status;
    api.interceptors.request.use((config) => (order.push('request:before'), config));
    api.interceptors.response.use(
      (response) => (order.push(`response:before:${response.status}`), response),
      (error: AxiosError) => {
        order.push(`response:before:${status(error)}`);
        throw error;
      },
    );
    const detach = attachAuth(api, auth);
    api.interceptors.request.use((config) => (order.push('request:after'), config));
    api.interceptors.response.use((response) => (order.push(`response:after:${response.status}`), response));
    await auth.getAccessToken();
    harness.server.authority.expireAccessTokens();

    await expect(api.get('/intercepted')).resolves.toMatchObject({ status: 200 });
    // axios runs request interceptors last-registered first; the replay runs the whole chain again.
    expect(order).toEqual([
      'request:after',
      'request:before',
      'response:before:401',
      'request:after',
      'request:before',
      'response:before:200',
      'response:after:200',
      'response:after:200',
    ]);

    detach();
    order.length = 0;
    await failure(api.get('/after-detach'));
    expect(order).toEqual(['request:after', 'request:before', 'response:before:401']);
  });
});
