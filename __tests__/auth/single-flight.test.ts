import { AuthManager, type TokenEvent } from '../../lib';
import { startTokenServer, type TokenServer } from '../helpers/token-server';

describe('AuthManager single flight (real token server)', () => {
  let server: TokenServer;
  beforeEach(async () => {
    server = await startTokenServer({ tokenLatencyMs: 20 });
  });
  afterEach(() => server.close());

  const manager = (extra: Partial<ConstructorParameters<typeof AuthManager>[0]> = {}) =>
    new AuthManager({
      grant: 'password',
      tokenUrl: server.tokenUrl,
      clientId: 'benchmark-client',
      username: 'user@example.com',
      password: 'password',
      ...extra,
    } as ConstructorParameters<typeof AuthManager>[0]);

  it('1 000 concurrent first calls cause one token request', async () => {
    const auth = manager();
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => auth.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(server.authority.stats().tokenRequests).toBe(1);
    expect(server.authority.check(tokens[0]!)).toBe('valid');
    expect(auth.metrics()).toMatchObject({ tokenRequests: 1, authentications: 1, refreshes: 0 });
  });

  it('while a token is good, every getAuthHeaders() call answers with the same settled promise (no allocation per request)', async () => {
    const auth = manager();
    const first = await auth.getAuthHeaders();
    const promise = auth.getAuthHeaders();
    expect(auth.getAuthHeaders()).toBe(promise);
    expect(await promise).toBe(first);
  });

  it('1 000 concurrent callers on an expired token cause one refresh', async () => {
    let clock = Date.now();
    const auth = manager({ now: () => clock });
    const first = await auth.getAccessToken();
    clock += 3600_000; // past expiry for the client
    const callers = Array.from({ length: 1000 }, (_, i) => (i % 2 ? auth.getAccessToken() : auth.handleUnauthorized(first).then(() => auth.getAccessToken())));
    const tokens = await Promise.all(callers);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(first);
    expect(server.authority.stats()).toMatchObject({ tokenRequests: 2, grants: { password: 1, refresh_token: 1 }, maxConcurrentTokenRequests: 1 });
    expect(auth.metrics()).toMatchObject({ tokenRequests: 2, refreshes: 1, unauthorized: 500 });
  });

  it('1 000 concurrent 401s for the current token share one refresh', async () => {
    const auth = manager();
    const rejected = await auth.getAccessToken();
    server.authority.expireAccessTokens();
    await Promise.all(Array.from({ length: 1000 }, () => auth.handleUnauthorized(rejected)));
    const fresh = await auth.getAccessToken();
    expect(fresh).not.toBe(rejected);
    expect(server.authority.check(fresh)).toBe('valid');
    expect(server.authority.stats().grants.refresh_token).toBe(1);
  });

  it('a late 401 for an already replaced token causes no token request', async () => {
    const auth = manager();
    const old = await auth.getAccessToken();
    await auth.handleUnauthorized(old);
    const before = server.authority.stats().tokenRequests;
    const unauthorized: boolean[] = [];
    auth.on('unauthorized', (event) => unauthorized.push(event.stale));
    await auth.handleUnauthorized(old);
    expect(server.authority.stats().tokenRequests).toBe(before);
    expect(unauthorized).toEqual([true]);
  });

  it('a proactive refresh (leeway) and a 401 share the same flight', async () => {
    let clock = Date.now();
    const auth = manager({ now: () => clock, refreshLeewayMs: 60_000 });
    const first = await auth.getAccessToken();
    clock += 3600_000 - 30_000; // inside the leeway, not yet expired
    const proactive = auth.getAccessToken();
    const reactive = auth.handleUnauthorized(first);
    const [token] = await Promise.all([proactive, reactive]);
    expect(token).not.toBe(first);
    expect(server.authority.stats().grants.refresh_token).toBe(1);
  });

  it('rotates the refresh token and keeps the old one when none is returned', async () => {
    const auth = manager();
    await auth.authenticate();
    await auth.refreshAccessToken();
    await auth.refreshAccessToken(); // would fail with invalid_grant if the rotated token were not stored
    expect(auth.metrics()).toMatchObject({ refreshes: 2, fallbacks: 0 });

    const fixed = await startTokenServer({ rotateRefreshTokens: false });
    try {
      const keeper = new AuthManager({ grant: 'password', tokenUrl: fixed.tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password' });
      await keeper.authenticate();
      await keeper.refreshAccessToken();
      await keeper.refreshAccessToken();
      expect(keeper.metrics()).toMatchObject({ refreshes: 2, fallbacks: 0, authentications: 1 });
      expect(fixed.authority.stats().grants).toMatchObject({ password: 1, refresh_token: 2 });
    } finally {
      await fixed.close();
    }
  });

  it('emits metadata-only events in order', async () => {
    const auth = manager();
    const seen: Array<[string, TokenEvent]> = [];
    auth.on('authenticated', (event) => seen.push(['authenticated', event]));
    auth.on('refreshed', (event) => seen.push(['refreshed', event]));
    auth.on('token', (event) => seen.push(['token', event]));
    await auth.getAccessToken();
    await auth.refreshAccessToken();
    expect(seen.map(([name, event]) => `${name}:${event.source}`)).toEqual([
      'authenticated:authenticate',
      'token:authenticate',
      'refreshed:refresh',
      'token:refresh',
    ]);
    const [, event] = seen[2]!;
    expect(event.fingerprint).toMatch(/^[0-9a-f]{10}$/);
    expect(event.rotated).toBe(true);
    expect(event.expiresAt).toBeGreaterThan(Date.now());
  });

  it('client_credentials with HTTP Basic client authentication', async () => {
    const confidential = await startTokenServer({ clients: { svc: 's3cr:et/+' } });
    try {
      const auth = new AuthManager({ grant: 'client_credentials', tokenUrl: confidential.tokenUrl, clientId: 'svc', clientSecret: 's3cr:et/+', clientAuth: 'basic' });
      expect(confidential.authority.check(await auth.getAccessToken())).toBe('valid');
      const body = new AuthManager({ grant: 'client_credentials', tokenUrl: confidential.tokenUrl, clientId: 'svc', clientSecret: 's3cr:et/+' });
      expect(await body.getAuthHeaders()).toEqual({ Authorization: expect.stringMatching(/^Bearer ey/) });
      expect(confidential.authority.stats().grants.client_credentials).toBe(2);
    } finally {
      await confidential.close();
    }
  });

  it('a custom grant whose refresh token is used with the refresh grant', async () => {
    const bootstrap = manager();
    const initial = await bootstrap.authenticate();
    let calls = 0;
    const auth = new AuthManager({
      grant: async () => {
        calls++;
        return { access_token: initial.accessToken, token_type: 'bearer', expires_in: 3600, refresh_token: initial.refreshToken! };
      },
      tokenUrl: server.tokenUrl,
      clientId: 'benchmark-client',
    });
    expect(await auth.getAccessToken()).toBe(initial.accessToken);
    const refreshed = await auth.refreshAccessToken();
    expect(server.authority.check(refreshed)).toBe('valid');
    expect(calls).toBe(1);
    expect(auth.metrics()).toMatchObject({ authentications: 1, refreshes: 1 });
  });

  it('api_key: headers, no token requests, a 401 is passed through', async () => {
    const auth = new AuthManager({ grant: 'api_key', apiKey: 'k-123' });
    expect(await auth.getAuthHeaders()).toEqual({ 'X-API-Key': 'k-123' });
    await auth.handleUnauthorized('k-123');
    expect(auth.metrics()).toMatchObject({ tokenRequests: 0, unauthorized: 1 });
    const custom = new AuthManager({ grant: 'api_key', apiKey: 'k', header: 'X-Gateway-Key' });
    expect(await custom.getAuthHeaders()).toEqual({ 'X-Gateway-Key': 'k' });
  });
});
