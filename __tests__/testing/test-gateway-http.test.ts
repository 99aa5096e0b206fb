import axios, { type AxiosInstance } from 'axios';
import { AuthManager, TokenRequestError } from '../../lib';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../../lib/testing';
import { bearer, issueToken } from './helpers';

describe('startTestGateway: HTTP and token endpoint', () => {
  let gateway: TestGateway;
  let http: AxiosInstance;
  const start = async (options: TestGatewayOptions = {}) => {
    gateway = await startTestGateway(options);
    http = axios.create({ baseURL: gateway.baseUrl, validateStatus: () => true });
  };
  afterEach(() => gateway.close());

  const manager = (extra: Record<string, unknown> = {}) =>
    new AuthManager({
      grant: 'password',
      tokenUrl: gateway.tokenUrl,
      clientId: 'benchmark-client',
      username: 'user@example.com',
      password: 'password',
      ...extra,
    } as ConstructorParameters<typeof AuthManager>[0]);

  it('serves the gateway protocol to a real AuthManager and counts by route and status', async () => {
    await start();
    expect(gateway.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gateway.tokenUrl).toBe(`${gateway.baseUrl}/oauth/token`);
    const auth = manager();
    const headers = await auth.getAuthHeaders();

    const created = await http.post('/api/v1/sessions', { scenario: 'a' }, { headers });
    expect(created.status).toBe(201);
    const sessionId = created.data.session_id as string;
    expect(created.data.ws_url).toBe(`${gateway.wsUrl}/api/v1/sessions/${sessionId}/stream`);
    expect(created.data.params).toEqual({ scenario: 'a' });

    const metrics = await http.get(`/api/v1/sessions/${sessionId}/metrics`, { headers });
    expect(metrics.status).toBe(200);
    expect(metrics.data).toMatchObject({ session_id: sessionId, messages_in: 0, messages_out: 0, connections: 0 });
    expect((await http.get('/api/v1/health', { headers })).data).toMatchObject({ status: 'ok', subject: 'user@example.com' });
    expect((await http.get('/nowhere', { headers })).status).toBe(404);

    const stats = gateway.stats();
    expect(stats.http.byRoute).toEqual({ token: 1, createSession: 1, sessionMetrics: 1, health: 1, notFound: 1 });
    expect(stats.http.byStatus).toEqual({ 200: 3, 201: 1, 404: 1 });
    expect(stats.token).toMatchObject({ tokenRequests: 1, grants: { password: 1 } });
    expect(stats.sessionsCreated).toBe(1);
    expect(gateway.sessionStats(sessionId)).toMatchObject({ owner: 'user@example.com', messagesIn: 0 });
  });

  it('answers 401 with WWW-Authenticate for a missing, unknown or expired token', async () => {
    await start();
    const token = issueToken(gateway);
    const missing = await http.get('/api/v1/health');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="test-gateway"');
    const unknown = await http.get('/api/v1/health', { headers: bearer('not-a-token') });
    expect(unknown.status).toBe(401);
    expect(unknown.headers['www-authenticate']).toContain('error="invalid_token"');
    expect((await http.get('/api/v1/health', { headers: bearer(token) })).status).toBe(200);

    gateway.expireAccessTokens();
    const expired = await http.post('/api/v1/sessions', {}, { headers: bearer(token) });
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(gateway.stats()).toMatchObject({ expiredTokenRequests: 1, sessionsCreated: 0, http: { byStatus: { 200: 1, 401: 3 } } });
  });

  it('accepts API keys in the configured header', async () => {
    await start({ apiKeys: { 'key-1': 'robot' }, apiKeyHeader: 'X-Gateway-Key' });
    expect((await http.get('/api/v1/health', { headers: { 'X-Gateway-Key': 'key-1' } })).data.subject).toBe('robot');
    expect((await http.get('/api/v1/health', { headers: { 'X-Gateway-Key': 'key-2' } })).status).toBe(401);
    expect((await http.get('/api/v1/health', { headers: { 'X-API-Key': 'key-1' } })).status).toBe(401);
    const auth = new AuthManager({ grant: 'api_key', apiKey: 'key-1', header: 'X-Gateway-Key' });
    expect((await http.post('/api/v1/sessions', {}, { headers: await auth.getAuthHeaders() })).status).toBe(201);
  });

  it("refuses another subject's session with 403 and an unknown one with 404", async () => {
    await start();
    const session = await http.post('/api/v1/sessions', {}, { headers: bearer(issueToken(gateway)) });
    const robot = { 'X-API-Key': 'test-api-key' };
    expect((await http.get(`/api/v1/sessions/${session.data.session_id}/metrics`, { headers: robot })).status).toBe(403);
    expect((await http.get('/api/v1/sessions/s_unknown/metrics', { headers: robot })).status).toBe(404);
  });

  it('serves configurable paths and nothing on the defaults', async () => {
    await start({ paths: { sessions: '/v2/s', sessionMetrics: '/v2/s/:id/m', health: '/healthz', token: '/auth/token' } });
    expect(gateway.tokenUrl).toBe(`${gateway.baseUrl}/auth/token`);
    const headers = await manager().getAuthHeaders();
    const created = await http.post('/v2/s', undefined, { headers });
    expect(created.status).toBe(201);
    expect((await http.get(`/v2/s/${created.data.session_id}/m`, { headers })).status).toBe(200);
    expect((await http.get('/healthz', { headers })).status).toBe(200);
    expect((await http.get('/api/v1/health', { headers })).status).toBe(404);
  });

  it('failTokenRequests(n, status) fails exactly n token requests, then recovers', async () => {
    await start();
    gateway.failTokenRequests(2, 503);
    const auth = manager({ retryDelayMs: 0 });
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await auth.getAccessToken().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(error).toMatchObject({ status: 503, retryable: true });
    }
    const token = await auth.getAccessToken();
    expect(gateway.authority.check(token)).toBe('valid');
    expect(gateway.stats().token).toMatchObject({ tokenRequests: 3, rejected: 2 });
    expect(gateway.stats().http.byStatus).toEqual({ 200: 1, 503: 2 });
  });

  it('revokeRefreshTokens makes the refresh grant fail, so the manager authenticates again', async () => {
    await start();
    const auth = manager();
    const first = await auth.getAccessToken();
    gateway.revokeRefreshTokens();
    await auth.handleUnauthorized(first);
    expect(auth.metrics().fallbacks).toBe(1);
    expect(gateway.stats().token).toMatchObject({ tokenRequests: 3, rejected: 1, grants: { password: 2, refresh_token: 0 } });
  });

  it('rotates refresh tokens by default and reuses them with rotateRefreshTokens: false', async () => {
    for (const rotate of [true, false]) {
      await start({ rotateRefreshTokens: rotate });
      const first = gateway.authority.respond(new URLSearchParams({ grant_type: 'password', username: 'user@example.com', password: 'password', client_id: 'benchmark-client' })).json;
      const refresh = (token: unknown) => gateway.authority.respond(new URLSearchParams({ grant_type: 'refresh_token', refresh_token: String(token), client_id: 'benchmark-client' }));
      const second = refresh(first['refresh_token']);
      expect(second.status).toBe(200);
      expect(second.json['refresh_token'] === undefined).toBe(!rotate);
      expect(refresh(first['refresh_token']).status).toBe(rotate ? 400 : 200);
      await gateway.close();
    }
  });

  it('300 concurrent requests on an expired token: 300 × 401, one refresh, 300 replays succeed', async () => {
    await start({ tokenLatencyMs: 20 });
    const auth = manager();
    const stale = await auth.getAccessToken();
    gateway.expireAccessTokens();
    const call = async (): Promise<number> => {
      const token = await auth.getAccessToken();
      const first = await http.get('/api/v1/health', { headers: bearer(token) });
      if (first.status !== 401) return first.status;
      await auth.handleUnauthorized(token);
      return (await http.get('/api/v1/health', { headers: bearer(await auth.getAccessToken()) })).status;
    };
    const statuses = await Promise.all(Array.from({ length: 300 }, call));
    expect(statuses.every((status) => status === 200)).toBe(true);
    const stats = gateway.stats();
    expect(stats.token.grants).toEqual({ password: 1, client_credentials: 0, refresh_token: 1 });
    expect(stats.http.byRoute['health']).toBe(600);
    expect(stats.expiredTokenRequests).toBe(300);
    expect(gateway.authority.check(stale)).toBe('expired');
  });

  it('close() ends a token request held by tokenLatencyMs and is safe to call twice', async () => {
    await start({ tokenLatencyMs: 60_000 });
    const pending = manager({ timeoutMs: 120_000 }).getAccessToken().catch((error: unknown) => error);
    await waitFor(() => gateway.stats().token.tokenRequests === 1);
    await gateway.close();
    await gateway.close();
    expect(await pending).toMatchObject({ code: 'TOKEN_ENDPOINT_UNREACHABLE', retryable: true });
    await expect(axios.get(`${gateway.baseUrl}/api/v1/health`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

/** Polls a condition on the event loop: bounded in count, never on a wall-clock bound. */
async function waitFor(condition: () => boolean, maxTurns = 2000): Promise<void> {
  for (let turn = 0; turn < maxTurns && !condition(); turn++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}
