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
