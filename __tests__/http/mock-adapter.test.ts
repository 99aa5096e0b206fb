import axios, { type AxiosError, type AxiosRequestConfig } from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { AuthManager } from '../../lib/auth/auth-manager';
import { AuthError, ConfigError } from '../../lib/errors';
import { attachAuth, type AttachAuthOptions } from '../../lib/http';
import { mockTokenEndpoint } from '../../lib/testing/mock-token-endpoint';

const API = 'https://api.example.test';
const authorizationOf = (config: AxiosRequestConfig | undefined) => {
  const headers = config?.headers as { get?: (name: string) => unknown } | Record<string, unknown> | undefined;
  return typeof headers?.get === 'function' ? headers.get('Authorization') : undefined;
};
const failure = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a rejection'); }, (error: unknown) => error as AxiosError);

/** The fixtures a user of axios-mock-adapter writes: no sockets at all. */
describe('attachAuth with axios-mock-adapter', () => {
  const setup = () => {
    const api = axios.create({ baseURL: API });
    const mock = new MockAdapter(api);
    const endpoint = mockTokenEndpoint(mock);
    const auth = new AuthManager({ grant: endpoint.grant({ grant_type: 'password', client_id: 'benchmark-client', username: 'user@example.com', password: 'password' }) });
    return { api, mock, endpoint, auth };
  };

  it('a 401 fixture is refreshed and replayed with the new token', async () => {
    const { api, mock, endpoint, auth } = setup();
    mock.onGet('/me').reply(endpoint.requireToken(() => [200, { me: 'user' }, {}]));
    attachAuth(api, auth);
    const first = await auth.getAccessToken();
    endpoint.expireAccessTokens();

    await expect(api.get('/me')).resolves.toMatchObject({ status: 200, data: { me: 'user' } });
    const sent = mock.history.get!.map(authorizationOf);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toBe(`Bearer ${first}`);
    expect(sent[1]).toBe(`Bearer ${await auth.getAccessToken()}`);
    expect(sent[1]).not.toBe(sent[0]);
    expect(endpoint.stats().tokenRequests).toBe(2);
  });

  it('api_key: the 401 goes back untouched, counted, with no token request', async () => {
    const api = axios.create({ baseURL: API });
    const mock = new MockAdapter(api);
    mock.onGet('/k').reply(401, { error: 'bad key' });
    const auth = new AuthManager({ grant: 'api_key', apiKey: 'k-123' });
    attachAuth(api, auth);
    const error = await failure(api.get('/k'));
    expect(error.response).toMatchObject({ status: 401, data: { error: 'bad key' } });
    expect(error.cause).not.toBeInstanceOf(AuthError);
    expect(mock.history.get).toHaveLength(1);
    expect((mock.history.get![0]!.headers as { get(name: string): unknown }).get('X-API-Key')).toBe('k-123');
    expect(auth.metrics()).toMatchObject({ tokenRequests: 0, unauthorized: 1 });
  });

  it('a custom isUnauthorized (403 token_expired) triggers the refresh', async () => {
    const { api, mock, endpoint, auth } = setup();
    let calls = 0;
    mock.onGet('/custom').reply(() => (++calls === 1 ? [403, { code: 'token_expired' }, {}] : [200, 'ok', {}]));
    attachAuth(api, auth, { isUnauthorized: (error) => (error.response?.data as { code?: string } | undefined)?.code === 'token_expired' });
    await auth.getAccessToken();
    await expect(api.get('/custom')).resolves.toMatchObject({ data: 'ok' });
    expect(calls).toBe(2);
    expect(endpoint.stats().tokenRequests).toBe(2);
    // The default test no longer applies: a plain 401 is not handled.
    mock.onGet('/plain').reply(401);
    expect((await failure(api.get('/plain'))).response?.status).toBe(401);
    expect(mock.history.get!.filter((config) => config.url === '/plain')).toHaveLength(1);
  });

  it('without baseURL, a relative URL gets no credentials in Node; a listed absolute URL does', async () => {
    const api = axios.create();
    const mock = new MockAdapter(api);
    mock.onAny().reply(200);
    const auth = new AuthManager({ grant: 'api_key', apiKey: 'k', header: 'Authorization' });
    attachAuth(api, auth, { origins: [API] });
    await api.get('/relative');
    await api.get(`${API}/absolute`);
    await api.get('https://elsewhere.example.test/absolute');
    expect(mock.history.get!.map((config) => authorizationOf(config) ?? null)).toEqual([null, 'k', null]);
  });

  it('the default origin follows a baseURL changed after attaching', async () => {
    const api = axios.create({ baseURL: API });
    const mock = new MockAdapter(api);
    mock.onAny().reply(200);
    attachAuth(api, new AuthManager({ grant: 'api_key', apiKey: 'k', header: 'Authorization' }));
    await api.get('/one');
    api.defaults.baseURL = 'https://moved.example.test';
    await api.get('/two');
    await api.get(`${API}/three`);
    expect(mock.history.get!.map((config) => authorizationOf(config) ?? null)).toEqual(['k', 'k', null]);
  });

  it('bad options throw a ConfigError naming the option', () => {
    const api = axios.create({ baseURL: API });
    const auth = new AuthManager({ grant: 'api_key', apiKey: 'k' });
    const keyOf = (options: unknown, instance = api) => {
      try {
        attachAuth(instance, auth, options as AttachAuthOptions);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toContain('attachAuth: options.');
        return (error as ConfigError).key;
      }
      return 'accepted';
    };
    expect(keyOf({ retryOn401: 'yes' })).toBe('retryOn401');
    expect(keyOf({ maxRetries: -1 })).toBe('maxRetries');
    expect(keyOf({ maxRetries: 1.5 })).toBe('maxRetries');
    expect(keyOf({ origins: [] })).toBe('origins');
    expect(keyOf({ origins: 'https://api.example.test' })).toBe('origins');
    expect(keyOf({ origins: [API, 'ftp://files.example.test'] })).toBe('origins[1]');
    expect(keyOf({ origins: ['not a url'] })).toBe('origins[0]');
    expect(keyOf({ isUnauthorized: 401 })).toBe('isUnauthorized');
    expect(keyOf({ retries: 2 })).toBe('retries');
    expect(keyOf(null)).toBe('options');
    expect(keyOf({}, axios.create())).toBe('origins');
    // A refused attach installs nothing.
    expect(api.interceptors.request.handlers?.filter(Boolean)).toHaveLength(0);
    expect(keyOf({ origins: [API] }, api)).toBe('accepted');
    expect(api.interceptors.request.handlers?.filter(Boolean)).toHaveLength(1);
    expect(() => attachAuth(api, {} as AuthManager)).toThrow(AuthError);
  });
});
