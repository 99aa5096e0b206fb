import axios from 'axios';
import { AuthManager, GatewayClient, parseConfig, type SessionChannel } from '../../lib';
import { startTestGateway, type TestGateway } from '../../lib/testing';

describe('GatewayClient against the embedded gateway', () => {
  let gateway: TestGateway;
  let client: GatewayClient;
  const channels: SessionChannel[] = [];
  beforeEach(async () => {
    gateway = await startTestGateway({ tokenLatencyMs: 5 });
  });
  afterEach(async () => {
    await Promise.all(channels.splice(0).map((channel) => channel.close()));
    await client?.close();
    await gateway.close();
  });

  const passwordAuth = () =>
    new AuthManager({ grant: 'password', tokenUrl: gateway.tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password' });

  it('creates a session, reads its metrics and streams it, all through one AuthManager', async () => {
    const auth = passwordAuth();
    client = new GatewayClient({ baseUrl: gateway.baseUrl, wsUrl: gateway.wsUrl, auth, channel: { heartbeatMs: 0 } });
    const session = await client.createSession({ name: 'bench' });
    expect(session.sessionId).toEqual(expect.any(String));
    expect(session.wsUrl).toContain(session.sessionId);

    const channel = client.openSession(session.sessionId);
    channels.push(channel);
    expect(channel.state).toBe('idle');
    await channel.connect();
    const received = new Promise<string>((resolve) => channel.once('message', (data) => resolve(String(data))));
    await channel.send({ type: 'data', n: 1 });
    expect(JSON.parse(await received)).toMatchObject({ type: 'echo', data: { type: 'data', n: 1 } });

    const metrics = await client.getSessionMetrics(session.sessionId);
    expect(metrics).toMatchObject({ session_id: session.sessionId });
    expect(gateway.stats().token.tokenRequests).toBe(1);
  });

  it('a 401 mid-run refreshes once and replays, on HTTP and WS alike', async () => {
    const auth = passwordAuth();
    client = new GatewayClient({ baseUrl: gateway.baseUrl, auth, channel: { heartbeatMs: 0 } });
    const sessions = await Promise.all(Array.from({ length: 20 }, () => client.createSession()));
    const streams = sessions.map((session) => client.openSession(session.sessionId));
    channels.push(...streams);
    await Promise.all(streams.map((channel) => channel.connect()));
    const reopened = Promise.all(streams.map((channel) => new Promise<void>((resolve) => channel.once('open', () => resolve()))));
    gateway.expireAccessTokens(); // HTTP answers 401 and every stream is closed with 4401
    const metrics = await Promise.all(sessions.map((session) => client.getSessionMetrics(session.sessionId)));
    await reopened;
    expect(metrics).toHaveLength(20);
    expect(gateway.stats().ws.closed['4401']).toBe(20);
    expect(gateway.stats().ws.open).toBe(20);
    expect(gateway.stats().token.grants).toMatchObject({ password: 1, refresh_token: 1 });
  });

  it('testConnection never throws: ok, bad credentials, unreachable', async () => {
    client = new GatewayClient({ baseUrl: gateway.baseUrl, auth: passwordAuth() });
    expect(await client.testConnection()).toMatchObject({ ok: true, status: 200, authenticated: true, latencyMs: expect.any(Number) });

    const badKey = new GatewayClient({ baseUrl: gateway.baseUrl, auth: new AuthManager({ grant: 'api_key', apiKey: 'wrong' }) });
    expect(await badKey.testConnection()).toMatchObject({ ok: false, status: 401, authenticated: false, error: expect.any(String) });
    await badKey.close();

    const goodKey = new GatewayClient({ baseUrl: gateway.baseUrl, auth: new AuthManager({ grant: 'api_key', apiKey: 'test-api-key' }) });
    expect(await goodKey.testConnection()).toMatchObject({ ok: true, authenticated: true });
    await goodKey.close();

    // A 404 from a wrong health path is a failure, but not one of our credentials.
    const wrongPath = new GatewayClient({ baseUrl: gateway.baseUrl, auth: passwordAuth(), paths: { health: '/api/v1/no-such-health' } });
    expect(await wrongPath.testConnection()).toMatchObject({ ok: false, status: 404, authenticated: true });
    await wrongPath.close();

    const closed = await startTestGateway();
    const url = closed.baseUrl;
    await closed.close();
    const unreachable = new GatewayClient({ baseUrl: url, auth: passwordAuth() });
    const report = await unreachable.testConnection();
    expect(report).toMatchObject({ ok: false, authenticated: false, error: expect.any(String) });
    expect(report).not.toHaveProperty('status');
    await unreachable.close();
  });

  it('brings its own axios instance and uses configured paths', async () => {
    const custom = await startTestGateway({ paths: { sessions: '/v2/s', sessionMetrics: '/v2/s/:id/m', health: '/v2/up', stream: '/v2/s/:id/ws' } });
    try {
      const http = axios.create({ timeout: 5000 });
      const own = new GatewayClient({
        baseUrl: custom.baseUrl,
        auth: new AuthManager({ grant: 'password', tokenUrl: custom.tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password' }),
        http,
        paths: { sessions: '/v2/s', sessionMetrics: '/v2/s/:id/m', health: '/v2/up', stream: '/v2/s/:id/ws' },
      });
      const session = await own.createSession();
      expect(await own.getSessionMetrics(session.sessionId)).toMatchObject({ session_id: session.sessionId });
      expect((await own.testConnection()).ok).toBe(true);
      expect(http.interceptors.request).toBeDefined();
      await own.close();
      // close() detached the interceptors from the user's instance: no credentials any more.
      await expect(http.get(`${custom.baseUrl}/v2/up`)).rejects.toMatchObject({ response: { status: 401 } });
    } finally {
      await custom.close();
    }
  });

  it('refuses a session ws_url on another origin rather than sending it credentials', async () => {
    client = new GatewayClient({ baseUrl: gateway.baseUrl, auth: passwordAuth() });
    const session = await client.createSession();
    (client as unknown as { sessionUrls: Map<string, string> }).sessionUrls.set(session.sessionId, 'ws://127.0.0.2:1/steal');
    expect(() => client.openSession(session.sessionId)).toThrow(/refusing to send credentials/);
  });

  it('a session without ws_url streams on wsUrl + the stream path; a session can be opened twice', async () => {
    client = new GatewayClient({ baseUrl: gateway.baseUrl, auth: passwordAuth(), channel: { heartbeatMs: 0 } });
    const bare = 'no-ws-url-session'; // never created: the test gateway adopts it (no ws_url was given for it)
    const first = client.openSession(bare);
    await first.connect();
    await first.close();
    const session = await client.createSession();
    for (let n = 0; n < 2; n++) {
      const channel = client.openSession(session.sessionId);
      await channel.connect();
      await channel.close();
    }
    expect(gateway.sessionStats(session.sessionId)).toMatchObject({ connections: 2 });
  });

  it('a config that says localhost (as the README does) gets a ws_url on localhost, which passes the origin check', async () => {
    const port = new URL(gateway.baseUrl).port;
    client = new GatewayClient({ baseUrl: `http://localhost:${port}`, auth: passwordAuth(), channel: { heartbeatMs: 0 } });
    const session = await client.createSession();
    expect(session.wsUrl).toMatch(new RegExp(`^ws://localhost:${port}/`));
    const channel = client.openSession(session.sessionId);
    await channel.connect();
    await channel.close();
  });

  it('fromConfig builds manager and client from the YAML', async () => {
    const config = parseConfig(`
gateway:
  auth_type: jwt
  base_url: "${gateway.baseUrl}"
  ws_url: "${gateway.wsUrl}"
  jwt:
    auth_url: "${gateway.tokenUrl}"
    username: "user@example.com"
    password: "\${GW_PASSWORD}"
    client_id: "benchmark-client"
    client_secret: ""
`, { env: { GW_PASSWORD: 'password' } });
    client = GatewayClient.fromConfig(config);
    expect(await client.testConnection()).toMatchObject({ ok: true, authenticated: true });
    expect(AuthManager.fromConfig(config.gateway)).toBeInstanceOf(AuthManager);
  });

  it('rejects bad options with a ConfigError naming them', () => {
    const auth = passwordAuth();
    expect(() => new GatewayClient({ baseUrl: 'gateway.local', auth })).toThrow(expect.objectContaining({ key: 'baseUrl' }));
    expect(() => new GatewayClient({ baseUrl: 'http://127.0.0.1:1', wsUrl: 'http://x', auth })).toThrow(expect.objectContaining({ key: 'wsUrl' }));
    expect(() => new GatewayClient({ baseUrl: 'http://127.0.0.1:1', auth: {} as AuthManager })).toThrow(expect.objectContaining({ key: 'auth' }));
  });
});
