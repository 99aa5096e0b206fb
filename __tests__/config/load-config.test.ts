import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axios from 'axios';
import WebSocket from 'ws';
import { AuthManager, ConfigError, FileTokenStore, MemoryTokenStore } from '../../lib';
import { authOptionsFromConfig, loadConfig, parseConfig } from '../../lib/config';
import { startTestGateway, type TestGateway } from '../../lib/testing';

describe('loadConfig + authOptionsFromConfig against startTestGateway', () => {
  let gateway: TestGateway;
  let dir: string;
  const managers: AuthManager[] = [];
  beforeEach(async () => {
    gateway = await startTestGateway({ clients: { 'benchmark-client': '', robot: 'robot-secret' }, apiKeys: { 'key-from-env': 'ops' } });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'axios-ws-auth-config-'));
  });
  afterEach(async () => {
    for (const manager of managers.splice(0)) manager.close();
    await gateway.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const writeConfig = async (yaml: string) => {
    const file = path.join(dir, 'gateway.yaml');
    await fs.writeFile(file, yaml);
    return file;
  };
  const managerFrom = (options: ConstructorParameters<typeof AuthManager>[0]) => {
    const manager = new AuthManager(options);
    managers.push(manager);
    return manager;
  };

  it('a real AuthManager from the original YAML authenticates, creates a session and streams on it', async () => {
    const file = await writeConfig(`gateway:
  auth_type: jwt            # jwt | internal (API key)
  base_url: "\${GW_BASE}"
  jwt:
    auth_url: "\${GW_BASE}/oauth/token"
    username: "user@example.com"
    password: "\${GW_PASSWORD}"
    client_id: "benchmark-client"
    client_secret: ""        # optional
`);
    const config = await loadConfig(file, { env: { GW_BASE: gateway.baseUrl, GW_PASSWORD: 'password' } });
    expect(config.source).toBe(file);
    const auth = managerFrom(authOptionsFromConfig(config));
    const headers = await auth.getAuthHeaders();
    const created = await axios.post(`${config.gateway.baseUrl}/api/v1/sessions`, {}, { headers });
    expect(created.status).toBe(201);

    const ws = new WebSocket(created.data.ws_url as string, { headers });
    const echoed = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ hello: 'gateway' }));
    expect(await echoed).toEqual({ type: 'echo', seq: 1, data: { hello: 'gateway' } });
    const closed = new Promise((resolve) => ws.once('close', resolve));
    ws.close();
    await closed;
    expect(gateway.stats().token.grants.password).toBe(1);
  });

  it('token_cache (relative to the file) becomes a FileTokenStore: a second run reuses the token', async () => {
    const file = await writeConfig(`gateway:
  auth_type: jwt
  token_cache: cache/tokens.json
  jwt:
    auth_url: ${gateway.tokenUrl}
    username: user@example.com
    password: password
    client_id: benchmark-client
`);
    const config = await loadConfig(file, { env: {} });
    expect(config.gateway.tokenCache).toBe(path.join(dir, 'cache', 'tokens.json'));
    const options = authOptionsFromConfig(config);
    expect(options.store).toBeInstanceOf(FileTokenStore);
    const first = await managerFrom(options).getAccessToken();
    const second = await managerFrom(authOptionsFromConfig(await loadConfig(file, { env: {} }))).getAccessToken();
    expect(second).toBe(first);
    expect(gateway.stats().token.tokenRequests).toBe(1);
    expect((await fs.stat(path.join(dir, 'cache', 'tokens.json'))).mode & 0o777).toBe(0o600);
  });

  it('client_credentials and internal (API key) configs work against the gateway; the gateway section alone is accepted', async () => {
    const robot = parseConfig(`gateway:\n  auth_type: jwt\n  jwt:\n    auth_url: ${gateway.tokenUrl}\n    grant_type: client_credentials\n    client_id: robot\n    client_secret: \${ROBOT_SECRET}\n`, {
      env: { ROBOT_SECRET: 'robot-secret' },
    });
    const robotAuth = managerFrom(authOptionsFromConfig(robot.gateway, { timeoutMs: 5000 }));
    const health = await axios.get(`${gateway.baseUrl}/api/v1/health`, { headers: await robotAuth.getAuthHeaders() });
    expect(health.data.subject).toBe('robot');
    expect(gateway.stats().token.grants.client_credentials).toBe(1);

    const internal = parseConfig('gateway:\n  auth_type: internal\n  api_key: ${GW_KEY}\n', { env: { GW_KEY: 'key-from-env' } });
    const keyAuth = managerFrom(authOptionsFromConfig(internal));
    expect(await keyAuth.getAuthHeaders()).toEqual({ 'X-API-Key': 'key-from-env' });
    const ops = await axios.get(`${gateway.baseUrl}/api/v1/health`, { headers: await keyAuth.getAuthHeaders() });
    expect(ops.data.subject).toBe('ops');
  });

  it('overrides are passed through, and an explicit store wins over token_cache', () => {
    const config = parseConfig('gateway:\n  auth_type: jwt\n  token_cache: /tmp/never-written.json\n  jwt:\n    auth_url: http://127.0.0.1:1/t\n    client_id: c\n    username: u\n    password: p\n    scope: read\n', { env: {} });
    const store = new MemoryTokenStore();
    expect(authOptionsFromConfig(config, { store, timeoutMs: 1234 })).toEqual({ grant: 'password', tokenUrl: 'http://127.0.0.1:1/t', clientId: 'c', username: 'u', password: 'p', scope: 'read', store, timeoutMs: 1234 });
  });

  it('authOptionsFromConfig refuses something that is not a parsed config', () => {
    const raw = { gateway: { auth_type: 'jwt' } } as unknown as Parameters<typeof authOptionsFromConfig>[0];
    expect(() => authOptionsFromConfig(raw)).toThrow(ConfigError);
  });

  it('a missing or unreadable file is a ConfigError; a bad file names the file, key and line', async () => {
    await expect(loadConfig(path.join(dir, 'absent.yaml'))).rejects.toMatchObject({ name: 'ConfigError', message: expect.stringContaining('does not exist') });
    const file = await writeConfig('gateway:\n  auth_type: jwt\n  jwt:\n    auth_url: ${GW_URL}\n');
    const error = await loadConfig(file, { env: {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ key: 'gateway.jwt.auth_url', line: 4, message: `${file}:4: gateway.jwt.auth_url refers to the environment variable GW_URL, which is not set` });
  });

  it('reads process.env by default', async () => {
    const file = await writeConfig('gateway:\n  auth_type: internal\n  api_key: ${AXIOS_WS_AUTH_TEST_KEY}\n');
    process.env['AXIOS_WS_AUTH_TEST_KEY'] = 'from-process-env';
    try {
      expect((await loadConfig(file)).gateway).toMatchObject({ apiKey: 'from-process-env' });
    } finally {
      delete process.env['AXIOS_WS_AUTH_TEST_KEY'];
    }
  });
});
