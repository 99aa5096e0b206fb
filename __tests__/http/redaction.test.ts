import http from 'node:http';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { AuthManager, attachAuth } from '../../lib';
import { startTestGateway, type TestGateway } from '../../lib/testing';
import axios, { type AxiosError } from 'axios';

describe('errors that attachAuth hands back carry no credentials', () => {
  let gateway: TestGateway;
  beforeEach(async () => {
    gateway = await startTestGateway();
  });
  afterEach(() => gateway.close());

  const failure = (request: Promise<unknown>) =>
    request.then(
      () => Promise.reject(new Error('expected the request to fail')),
      (error: unknown) => error as AxiosError,
    );

  const leaks = (error: unknown, secrets: string[]) => {
    const text = `${inspect(error, { depth: 6 })}\n${JSON.stringify((error as AxiosError).toJSON?.() ?? {})}`;
    return secrets.filter((secret) => text.includes(secret));
  };

  it('a 401 that survives its replay and a 404 show a fingerprint, not the token', async () => {
    const auth = new AuthManager({ grant: 'password', tokenUrl: gateway.tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password' });
    const api = axios.create({ baseURL: gateway.baseUrl });
    attachAuth(api, auth);
    const token = await auth.getAccessToken();

    const notFound = await failure(api.get('/api/v1/nothing-here'));
    expect(notFound.response?.status).toBe(404);
    expect(leaks(notFound, [token])).toEqual([]);
    expect(inspect(notFound, { depth: 6 })).toMatch(/\[redacted [0-9a-f]{10}\]/);

    // Every token is refused: the replay gets 401 too and goes back to the caller.
    gateway.authority.tokenLatencyMs = 0;
    const seen: string[] = [];
    auth.on('token', () => void auth.getAccessToken().then((fresh) => seen.push(fresh)));
    const refuseAll = axios.create({ baseURL: gateway.baseUrl });
    attachAuth(refuseAll, auth);
    refuseAll.interceptors.request.use((config) => {
      gateway.expireAccessTokens(); // whatever token it carries is dead on arrival
      return config;
    });
    const unauthorized = await failure(refuseAll.get('/api/v1/health'));
    expect(unauthorized.response?.status).toBe(401);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(leaks(unauthorized, [token, ...seen])).toEqual([]);
    // Still usable: the request object is there, just not enumerable.
    expect(unauthorized.request).toBeDefined();
  });

  it('an API key is redacted too', async () => {
    const auth = new AuthManager({ grant: 'api_key', apiKey: 'test-api-key' });
    const api = axios.create({ baseURL: gateway.baseUrl });
    attachAuth(api, auth);
    const error = await api.get('/api/v1/missing').catch((caught: unknown) => caught);
    expect(leaks(error, ['test-api-key'])).toEqual([]);
  });
});

describe('a stream upload, a keep-alive agent: nothing in the error leads to the token', () => {
  let gateway: TestGateway;
  const agent = new http.Agent({ keepAlive: true });
  beforeEach(async () => {
    gateway = await startTestGateway();
  });
  afterEach(async () => {
    agent.destroy();
    await gateway.close();
  });

  const everything = (value: unknown) => `${inspect(value, { depth: Infinity, showHidden: true })}\n${JSON.stringify(value)}`;

  it.each([
    ['401 (not replayable)', true],
    ['500', false],
  ])('%s: util.inspect(showHidden, depth ∞) and JSON.stringify of the error hold no token', async (_name, expire) => {
    const auth = new AuthManager({ grant: 'password', tokenUrl: gateway.tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password' });
    const api = axios.create({ baseURL: gateway.baseUrl, httpAgent: agent });
    attachAuth(api, auth);
    const token = await auth.getAccessToken();
    await api.get('/api/v1/health'); // the agent's idle socket now remembers a request with the token
    if (expire) gateway.expireAccessTokens();
    const url = expire ? '/api/v1/sessions' : '/api/v1/nothing-here';
    const error = await api.post(url, Readable.from(['x']), { headers: { 'Content-Type': 'application/json' } }).then(
      () => undefined,
      (caught: unknown) => caught as AxiosError,
    );
    expect(error?.response?.status).toBe(expire ? 401 : 404);
    const text = everything(error);
    expect(text.includes(token)).toBe(false);
    expect(text.includes('password')).toBe(false);
    expect(error!.request).toBeDefined(); // still there for whoever needs it
    expect(error!.config?.httpAgent).toBe(agent);
  });
});
