import axios from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { AuthManager, TokenRequestError } from '../../lib';
import { mockTokenEndpoint } from '../../lib/testing';

const tokenUrl = 'https://auth.example.test/oauth/token';

describe('mockTokenEndpoint (axios-mock-adapter)', () => {
  let mock: MockAdapter;
  // Created before every AuthManager, so their token clients inherit the mock adapter.
  beforeEach(() => {
    mock = new MockAdapter(axios);
  });
  afterEach(() => mock.restore());

  const passwordManager = (extra: Record<string, unknown> = {}) =>
    new AuthManager({ grant: 'password', tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password', ...extra } as ConstructorParameters<typeof AuthManager>[0]);

  it('answers the password and refresh_token grants of a real AuthManager, with rotation', async () => {
    const endpoint = mockTokenEndpoint(mock, { accessTokenTtlSeconds: 60 });
    const auth = passwordManager();
    const first = await auth.getAccessToken();
    expect(endpoint.check(first)).toBe('valid');
    await auth.handleUnauthorized(first);
    const second = await auth.getAccessToken();
    expect(second).not.toBe(first);
    await auth.refreshAccessToken(); // a refresh, not a 401: a fresh token refused at once is a server refusing every token (its own rule)
    expect(endpoint.stats()).toMatchObject({ tokenRequests: 3, rejected: 0, grants: { password: 1, refresh_token: 2 } });
    expect(auth.metrics()).toMatchObject({ authentications: 1, refreshes: 2, fallbacks: 0 });
    expect(mock.history['post']).toHaveLength(3);
  });

  it('answers client_credentials with HTTP Basic client authentication', async () => {
    const endpoint = mockTokenEndpoint(mock, { clients: { robot: 's3cret' } });
    const auth = new AuthManager({ grant: 'client_credentials', tokenUrl, clientId: 'robot', clientSecret: 's3cret', clientAuth: 'basic' });
    expect(endpoint.check(await auth.getAccessToken())).toBe('valid');
    const wrong = new AuthManager({ grant: 'client_credentials', tokenUrl, clientId: 'robot', clientSecret: 'nope' });
    await expect(wrong.getAccessToken()).rejects.toMatchObject({ oauthError: 'invalid_client', retryable: false });
    expect(endpoint.stats()).toMatchObject({ tokenRequests: 2, rejected: 1, grants: { client_credentials: 1 } });
  });

  it('revokeRefreshTokens, expireAccessTokens and failTokenRequests act on the mocked endpoint', async () => {
    const endpoint = mockTokenEndpoint(mock, { rotateRefreshTokens: false });
    const auth = passwordManager({ retryDelayMs: 0 });
    const first = await auth.getAccessToken();
    endpoint.expireAccessTokens();
    expect(endpoint.check(first)).toBe('expired');
    endpoint.revokeRefreshTokens();
    await auth.handleUnauthorized(first);
    expect(auth.metrics().fallbacks).toBe(1);
    endpoint.failTokenRequests(1, 502);
    await expect(auth.refreshAccessToken()).rejects.toMatchObject({ status: 502, retryable: true });
    expect(endpoint.stats()).toMatchObject({ tokenRequests: 4, rejected: 2, grants: { password: 2, refresh_token: 0 } });
  });

  it('requireToken() guards API routes: 401 with WWW-Authenticate until a live token is sent', async () => {
    const endpoint = mockTokenEndpoint(mock);
    const api = axios.create({ baseURL: 'https://api.example.test', validateStatus: () => true });
    const apiMock = new MockAdapter(api);
    apiMock.onGet('/data').reply(endpoint.requireToken(() => [200, { ok: true }, {}]));
    const auth = passwordManager();
    expect((await api.get('/data')).status).toBe(401);
    const good = await api.get('/data', { headers: await auth.getAuthHeaders() });
    expect(good.data).toEqual({ ok: true });
    endpoint.expireAccessTokens();
    const stale = await api.get('/data', { headers: await auth.getAuthHeaders() });
    expect(stale.status).toBe(401);
    expect(stale.headers['www-authenticate']).toContain('invalid_token');
    apiMock.restore();
  });

  it('grant() serves an AuthManager whose token requests the adapter cannot see', async () => {
    mock.restore(); // nothing on the default axios now
    const apiMock = new MockAdapter(axios.create());
    const endpoint = mockTokenEndpoint(apiMock);
    const auth = new AuthManager({ grant: endpoint.grant({ grant_type: 'password', username: 'user@example.com', password: 'password', client_id: 'benchmark-client' }) });
    expect(endpoint.check(await auth.getAccessToken())).toBe('valid');
    const refused = new AuthManager({ grant: endpoint.grant({ grant_type: 'password', username: 'user@example.com', password: 'wrong', client_id: 'benchmark-client' }) });
    const error = await refused.getAccessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(String((error as Error).message)).not.toContain('wrong');
    expect(endpoint.stats()).toMatchObject({ tokenRequests: 2, rejected: 1 });
  });

  it('a custom tokenUrl pattern and tokenLatencyMs: 200 concurrent callers still cause one request', async () => {
    const endpoint = mockTokenEndpoint(mock, { tokenUrl: /\/custom\/token$/, tokenLatencyMs: 20 });
    const auth = new AuthManager({ grant: 'password', tokenUrl: 'https://idp.example.test/custom/token', clientId: 'benchmark-client', username: 'user@example.com', password: 'password' });
    const tokens = await Promise.all(Array.from({ length: 200 }, () => auth.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(endpoint.stats().tokenRequests).toBe(1);
  });
});
