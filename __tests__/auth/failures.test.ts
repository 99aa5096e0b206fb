import { AuthManager, AuthError, TokenRequestError, type AuthManagerOptions } from '../../lib';
import { startTokenServer, startRawServer, type TokenServer } from '../helpers/token-server';

const passwordOptions = (tokenUrl: string, extra: Partial<AuthManagerOptions> = {}): AuthManagerOptions =>
  ({ grant: 'password', tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password', ...extra }) as AuthManagerOptions;

describe('AuthManager failures are told apart', () => {
  let server: TokenServer;
  let clock: number;
  beforeEach(async () => {
    server = await startTokenServer();
    clock = Date.now();
  });
  afterEach(() => server.close());

  it('a rejected refresh token falls back to a full authentication', async () => {
    const auth = new AuthManager(passwordOptions(server.tokenUrl));
    const first = await auth.getAccessToken();
    server.authority.revokeRefreshTokens();
    await auth.handleUnauthorized(first);
    expect(server.authority.check(await auth.getAccessToken())).toBe('valid');
    expect(auth.metrics()).toMatchObject({ fallbacks: 1, authentications: 2, refreshes: 0, refreshFailures: 0 });
    expect(server.authority.stats().grants).toMatchObject({ password: 2, refresh_token: 0 });
  });

  it('a 5xx on refresh keeps the session, fails fast during the backoff, then refreshes', async () => {
    const auth = new AuthManager(passwordOptions(server.tokenUrl, { now: () => clock, retryDelayMs: 1000 }));
    const first = await auth.getAccessToken();
    server.authority.failTokenRequests(1, 503);
    const failure = await auth.handleUnauthorized(first).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TokenRequestError);
    expect(failure).toMatchObject({ retryable: true, status: 503, code: 'TOKEN_REQUEST_FAILED' });
    const requests = server.authority.stats().tokenRequests;

    // Inside the backoff: the same error, no token request, no hot loop.
    for (let i = 0; i < 50; i++) await expect(auth.getAccessToken()).rejects.toBe(failure);
    expect(server.authority.stats().tokenRequests).toBe(requests);

    clock += 1001;
    expect(server.authority.check(await auth.getAccessToken())).toBe('valid');
    // The refresh token was kept: a refresh grant, not a new password grant.
    expect(server.authority.stats().grants).toMatchObject({ password: 1, refresh_token: 1 });
  });

  it('rejected credentials: AuthError not retryable, an error event, one try per backoff interval', async () => {
    const auth = new AuthManager({ ...passwordOptions(server.tokenUrl), password: 'wrong', now: () => clock, retryDelayMs: 500, maxRetryDelayMs: 2000 } as AuthManagerOptions);
    const errors: AuthError[] = [];
    auth.on('error', (error) => errors.push(error));
    const failure = await auth.getAccessToken().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TokenRequestError);
    expect(failure).toMatchObject({ retryable: false, oauthError: 'invalid_grant', errorDescription: 'wrong username or password', status: 400 });
    expect(errors).toEqual([failure]);
    await Promise.all(Array.from({ length: 100 }, () => expect(auth.getAccessToken()).rejects.toBe(failure)));
    expect(server.authority.stats().tokenRequests).toBe(1);

    clock += 501;
    await expect(auth.getAccessToken()).rejects.toMatchObject({ oauthError: 'invalid_grant' });
    expect(server.authority.stats().tokenRequests).toBe(2);
    // Consecutive failures double the interval: 500 ms is not enough now.
    clock += 501;
    await expect(auth.getAccessToken()).rejects.toThrow();
    expect(server.authority.stats().tokenRequests).toBe(2);
    expect(auth.metrics().refreshFailures).toBe(2);
  });

  it('invalid_client on a client_credentials grant is permanent', async () => {
    const auth = new AuthManager({ grant: 'client_credentials', tokenUrl: server.tokenUrl, clientId: 'nobody', clientSecret: 'x' });
    await expect(auth.getAccessToken()).rejects.toMatchObject({ retryable: false, oauthError: 'invalid_client', status: 401, rejected: true });
  });

  it('a failed early refresh leaves the still-valid token in use', async () => {
    const auth = new AuthManager(passwordOptions(server.tokenUrl, { now: () => clock, refreshLeewayMs: 60_000 }));
    const first = await auth.getAccessToken();
    clock += 3600_000 - 10_000; // in the leeway, not expired
    server.authority.failTokenRequests(5, 502);
    expect(await auth.getAccessToken()).toBe(first);
    expect(await auth.getAccessToken()).toBe(first); // during the backoff too, without a request
    expect(server.authority.stats().tokenRequests).toBe(2);
    clock += 20_000; // now expired: no more stale tokens
    await expect(auth.getAccessToken()).rejects.toMatchObject({ retryable: true, status: 502 });
  });

  it('a token the server rejected is never handed out again, even when its refresh fails', async () => {
    const auth = new AuthManager(passwordOptions(server.tokenUrl, { now: () => clock }));
    const first = await auth.getAccessToken();
    server.authority.failTokenRequests(1, 500);
    await expect(auth.handleUnauthorized(first)).rejects.toMatchObject({ retryable: true });
    await expect(auth.getAccessToken()).rejects.toMatchObject({ retryable: true });
  });
});

describe('AuthManager under interference', () => {
  let server: TokenServer;
  beforeEach(async () => {
    server = await startTokenServer({ tokenLatencyMs: 20 });
  });
  afterEach(() => server.close());

  it('a listener that throws does not turn a good token into a failure', async () => {
    const messages: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (message: string) => messages.push(message) };
    const auth = new AuthManager(passwordOptions(server.tokenUrl, { logger }));
    auth.on('token', () => {
      throw new Error('listener bug');
    });
    const errors: unknown[] = [];
    auth.on('error', (error) => errors.push(error));
    expect(server.authority.check(await auth.getAccessToken())).toBe('valid');
    expect(auth.metrics().refreshFailures).toBe(0);
    expect(errors).toEqual([]);
    expect(messages).toEqual([expect.stringContaining("'token' listener threw")]);
  });

  it('clear() during a flight: the flight does not bring the old session back', async () => {
    const auth = new AuthManager(passwordOptions(server.tokenUrl));
    const inFlight = auth.getAccessToken();
    await auth.clear();
    const old = await inFlight; // its waiters still get an answer
    const fresh = await auth.getAccessToken();
    expect(fresh).not.toBe(old);
    expect(server.authority.stats().grants.password).toBe(2);
  });

  it('a 401 for a replaced token returns at once, even during a refresh that then fails', async () => {
    let clock = Date.now();
    const auth = new AuthManager(passwordOptions(server.tokenUrl, { now: () => clock, refreshLeewayMs: 60_000 }));
    const old = await auth.getAccessToken();
    await auth.handleUnauthorized(old);
    const current = await auth.getAccessToken();
    clock += 3600_000 - 30_000; // proactive refresh due, token still usable
    server.authority.failTokenRequests(1, 503);
    const proactive = auth.getAccessToken();
    await expect(auth.handleUnauthorized(old)).resolves.toBeUndefined(); // stale: no wait, no failure
    expect(await proactive).toBe(current); // the failed early refresh leaves the good token in use
  });
});

describe('AuthManager expiry', () => {
  let server: TokenServer;
  afterEach(() => server.close());

  it('uses expires_in counted from receipt, and the default leeway min(30 s, lifetime/10)', async () => {
    server = await startTokenServer({ accessTokenTtlSeconds: 100 });
    let clock = Date.now();
    const auth = new AuthManager(passwordOptions(server.tokenUrl, { now: () => clock }));
    const first = await auth.getAccessToken();
    clock += 89_000;
    expect(await auth.getAccessToken()).toBe(first);
    clock += 1_500; // within 10 s of expiry
    expect(await auth.getAccessToken()).not.toBe(first);
    expect(auth.metrics().refreshes).toBe(1);
  });

  it('caps a given leeway at half the lifetime', async () => {
    server = await startTokenServer({ accessTokenTtlSeconds: 10 });
    let clock = Date.now();
    const auth = new AuthManager(passwordOptions(server.tokenUrl, { now: () => clock, refreshLeewayMs: 60_000 }));
    const first = await auth.getAccessToken();
    clock += 4_000;
    expect(await auth.getAccessToken()).toBe(first); // a 60 s leeway would refresh on every call
    clock += 1_500;
    expect(await auth.getAccessToken()).not.toBe(first);
  });

  it('falls back to the JWT exp - iat without expires_in', async () => {
    server = await startTokenServer({ accessTokenTtlSeconds: 100, sendExpiresIn: false });
    let clock = Date.now();
    const auth = new AuthManager(passwordOptions(server.tokenUrl, { now: () => clock }));
    const first = await auth.getAccessToken();
    clock += 85_000;
    expect(await auth.getAccessToken()).toBe(first);
    clock += 6_000;
    expect(await auth.getAccessToken()).not.toBe(first);
  });

  it('autoRefresh keeps trying after failed refreshes', async () => {
    server = await startTokenServer({ accessTokenTtlSeconds: 1 });
    const auth = new AuthManager(passwordOptions(server.tokenUrl, { autoRefresh: true, retryDelayMs: 20, maxRetryDelayMs: 40 }));
    try {
      const failures: number[] = [];
      auth.on('refreshFailed', (event) => failures.push(event.retryAt));
      const refreshed = new Promise<void>((resolve) => auth.once('refreshed', () => resolve()));
      await auth.getAccessToken();
      server.authority.failTokenRequests(3, 503);
      await refreshed;
      expect(failures).toHaveLength(3);
      expect(server.authority.stats()).toMatchObject({ tokenRequests: 5, grants: { password: 1, refresh_token: 1 } });
    } finally {
      auth.close();
    }
  });

  it('the autoRefresh timer is unref\'d', async () => {
    const spy = jest.spyOn(global, 'setTimeout');
    // timeoutMs 0: no deadline timer for the grant, so the only timer is autoRefresh's.
    const auth = new AuthManager({ grant: async () => ({ access_token: 'a', token_type: 'Bearer', expires_in: 3600 }), autoRefresh: true, timeoutMs: 0 });
    try {
      await auth.getAccessToken();
      const timers = spy.mock.results.map((result) => result.value as NodeJS.Timeout);
      expect(timers).toHaveLength(1);
      expect(timers[0]!.hasRef()).toBe(false);
    } finally {
      spy.mockRestore();
      auth.close();
    }
    server = await startTokenServer();
  });

  it('uses an opaque token without a lifetime until a 401', async () => {
    let issued = 0;
    const auth = new AuthManager({ grant: async () => ({ access_token: `opaque-${++issued}`, token_type: 'Bearer' }), now: () => Date.now() + 10 * 365 * 86_400_000 });
    expect(await auth.getAccessToken()).toBe('opaque-1');
    expect(await auth.getAccessToken()).toBe('opaque-1');
    await auth.handleUnauthorized('opaque-1');
    expect(await auth.getAccessToken()).toBe('opaque-2');
    server = await startTokenServer(); // keeps afterEach uniform
  });

  it('autoRefresh refreshes before expiry, and close() stops it', async () => {
    server = await startTokenServer({ accessTokenTtlSeconds: 1 });
    const auth = new AuthManager(passwordOptions(server.tokenUrl, { autoRefresh: true }));
    try {
      const refreshed = new Promise<void>((resolve) => auth.once('refreshed', () => resolve()));
      const first = await auth.getAccessToken();
      await refreshed; // default leeway is 100 ms of the 1 s lifetime
      expect(await auth.getAccessToken()).not.toBe(first);
      expect(server.authority.stats().grants.refresh_token).toBeGreaterThanOrEqual(1);
    } finally {
      auth.close();
    }
    const after = server.authority.stats().tokenRequests;
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(server.authority.stats().tokenRequests).toBe(after); // close() stopped the timer
  });
});

describe('AuthManager against broken token endpoints', () => {
  const cases: Array<[string, (res: import('node:http').ServerResponse) => void, Record<string, unknown>]> = [
    ['an HTML page', (res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>login</html>'), { code: 'INVALID_TOKEN_RESPONSE', retryable: true }],
    ['truncated JSON', (res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"access_token":"ab'), { code: 'INVALID_TOKEN_RESPONSE' }],
    ['no access_token', (res) => res.writeHead(200).end('{"token_type":"Bearer"}'), { code: 'INVALID_TOKEN_RESPONSE', message: expect.stringContaining('access_token') }],
    ['a MAC token_type', (res) => res.writeHead(200).end('{"access_token":"a","token_type":"mac"}'), { code: 'INVALID_TOKEN_RESPONSE', message: expect.stringContaining('token_type') }],
    ['a non-numeric expires_in', (res) => res.writeHead(200).end('{"access_token":"a","token_type":"Bearer","expires_in":"soon"}'), { message: expect.stringContaining('expires_in') }],
    ['a JSON array', (res) => res.writeHead(200).end('[1,2]'), { code: 'INVALID_TOKEN_RESPONSE' }],
    ['an OAuth error', (res) => res.writeHead(400).end('{"error":"invalid_scope","error_description":"no such scope"}'), { oauthError: 'invalid_scope', errorDescription: 'no such scope', retryable: false }],
    ['a 502 HTML page', (res) => res.writeHead(502, { 'Content-Type': 'text/html' }).end('<h1>Bad gateway</h1>'), { status: 502, retryable: true, oauthError: undefined }],
    ['a reset mid-response', (res) => { res.writeHead(200, { 'Content-Length': '100' }); res.write('{"access'); setImmediate(() => res.socket?.destroy()); }, { code: 'TOKEN_ENDPOINT_UNREACHABLE', retryable: true }],
  ];

  it.each(cases)('%s gives a TokenRequestError', async (_name, respond, expected) => {
    const raw = await startRawServer((_req, res) => respond(res));
    try {
      const auth = new AuthManager(passwordOptions(raw.url));
      const error = await auth.getAccessToken().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(error).toMatchObject(expected);
    } finally {
      await raw.close();
    }
  });

  it('a token endpoint that never answers times out', async () => {
    const raw = await startRawServer(() => undefined);
    try {
      const auth = new AuthManager(passwordOptions(raw.url, { timeoutMs: 150 }));
      await expect(auth.getAccessToken()).rejects.toMatchObject({ code: 'TOKEN_REQUEST_TIMEOUT', retryable: true });
    } finally {
      await raw.close();
    }
  });

  it('a refused connection is retryable', async () => {
    const raw = await startRawServer(() => undefined);
    await raw.close();
    const auth = new AuthManager(passwordOptions(raw.url));
    await expect(auth.getAccessToken()).rejects.toMatchObject({ code: 'TOKEN_ENDPOINT_UNREACHABLE', retryable: true });
  });

  it('a custom grant that never settles times out when timeoutMs is given, and is told to abort', async () => {
    let aborted = false;
    const auth = new AuthManager({
      grant: ({ signal }) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        })),
      timeoutMs: 100,
    });
    await expect(auth.getAccessToken()).rejects.toMatchObject({ code: 'TOKEN_REQUEST_TIMEOUT', retryable: true });
    expect(aborted).toBe(true);
  });

  it('a custom grant that throws becomes a TokenRequestError with a safe cause', async () => {
    const auth = new AuthManager({ grant: async () => { throw new Error('device code expired'); } });
    await expect(auth.getAccessToken()).rejects.toMatchObject({ name: 'TokenRequestError', message: 'custom grant failed: device code expired' });
  });
});

describe('AuthManager options', () => {
  it.each<[Record<string, unknown>, string]>([
    [{ grant: 'password', tokenUrl: 'not a url', clientId: 'c', username: 'u', password: 'p' }, 'tokenUrl'],
    [{ grant: 'password', tokenUrl: 'ftp://x/token', clientId: 'c', username: 'u', password: 'p' }, 'tokenUrl'],
    [{ grant: 'password', tokenUrl: 'http://127.0.0.1/t', clientId: 'c', username: 'u' }, 'password'],
    [{ grant: 'client_credentials', tokenUrl: 'http://127.0.0.1/t', clientId: 'c' }, 'clientSecret'],
    [{ grant: 'api_key', apiKey: '' }, 'apiKey'],
    [{ grant: 'api_key', apiKey: 'k', header: 'bad header' }, 'header'],
    [{ grant: 'implicit' }, 'grant'],
    [{ grant: 'password', tokenUrl: 'http://127.0.0.1/t', clientId: 'c', username: 'u', password: 'p', timeoutMs: -1 }, 'timeoutMs'],
    [{ grant: 'password', tokenUrl: 'http://127.0.0.1/t', clientId: 'c', username: 'u', password: 'p', clientAuth: 'jwt' }, 'clientAuth'],
  ])('%j is refused naming %s', (options, key) => {
    let error: unknown;
    try {
      new AuthManager(options as unknown as AuthManagerOptions);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ name: 'ConfigError', code: 'INVALID_OPTIONS', key });
    expect((error as Error).message).toContain(`options.${key}`);
  });

  it('clear() forgets the token here and in the store', async () => {
    const server = await startTokenServer();
    try {
      const auth = new AuthManager(passwordOptions(server.tokenUrl));
      const first = await auth.getAccessToken();
      await auth.clear();
      expect(await auth.getAccessToken()).not.toBe(first);
      expect(server.authority.stats().grants.password).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('metrics report refresh latency percentiles', async () => {
    const server = await startTokenServer({ tokenLatencyMs: 5 });
    try {
      const auth = new AuthManager(passwordOptions(server.tokenUrl));
      await auth.getAccessToken();
      for (let i = 0; i < 5; i++) await auth.refreshAccessToken();
      const metrics = auth.metrics();
      expect(metrics).toMatchObject({ tokenRequests: 6, authentications: 1, refreshes: 5 });
      expect(metrics.lastRefreshMs).toBeGreaterThanOrEqual(4);
      expect(metrics.refreshLatencyMs!.p50).toBeGreaterThanOrEqual(4);
      expect(metrics.refreshLatencyMs!.p99).toBeGreaterThanOrEqual(metrics.refreshLatencyMs!.p50);
    } finally {
      await server.close();
    }
  });
});
