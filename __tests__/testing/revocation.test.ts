import { startTestGateway, startTokenServer, type TestGateway } from '../../lib/testing';
import { bearer, closeSockets, connect, postForm } from './helpers';

describe('startTestGateway: token revocation (RFC 7009)', () => {
  let gateway: TestGateway;
  beforeEach(async () => {
    gateway = await startTestGateway({ clients: { 'benchmark-client': '', robot: 's3cret' } });
  });
  afterEach(async () => {
    closeSockets();
    await gateway.close();
  });

  const login = async () => {
    const answer = await postForm(gateway.tokenUrl, { grant_type: 'password', username: 'user@example.com', password: 'password', client_id: 'benchmark-client' });
    return { access: String(answer.json['access_token']), refresh: String(answer.json['refresh_token']) };
  };
  const refresh = (token: string) => postForm(gateway.tokenUrl, { grant_type: 'refresh_token', refresh_token: token, client_id: 'benchmark-client' });
  const health = (token: string) => fetch(`${gateway.baseUrl}/api/v1/health`, { headers: bearer(token) }).then((response) => response.status);

  it('revoking a refresh token kills its chain: the refresh grant fails, its access tokens get 401, its streams close with 4401', async () => {
    expect(gateway.revocationUrl).toBe(`${gateway.baseUrl}/oauth/revoke`);
    const other = await login();
    const tokens = await login();
    const stream = await connect(gateway.streamUrl('s'), { headers: bearer(tokens.access) });

    const answer = await postForm(gateway.revocationUrl, { token: tokens.refresh, token_type_hint: 'refresh_token', client_id: 'benchmark-client' });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
    expect(answer.headers.get('cache-control')).toBe('no-store');

    expect((await refresh(tokens.refresh)).json).toMatchObject({ error: 'invalid_grant' });
    expect(gateway.authority.check(tokens.access)).toBe('revoked');
    expect(await health(tokens.access)).toBe(401);
    expect((await stream.closed).code).toBe(4401);
    expect(await health(other.access)).toBe(200);
    expect((await refresh(other.refresh)).status).toBe(200);
  });

  it('revoking an access token kills that token only; a wrong hint does not stop the search', async () => {
    const tokens = await login();
    const answer = await postForm(gateway.revocationUrl, { token: tokens.access, token_type_hint: 'refresh_token', client_id: 'benchmark-client' });
    expect(answer.status).toBe(200);
    expect(gateway.authority.check(tokens.access)).toBe('revoked');
    expect(await health(tokens.access)).toBe(401);
    const refreshed = await refresh(tokens.refresh);
    expect(refreshed.status).toBe(200);
    expect(await health(String(refreshed.json['access_token']))).toBe(200);
    expect(gateway.stats().token.revocation).toEqual({ requests: 1, byHint: { refresh_token: 1 }, found: { access_token: 1, refresh_token: 0 }, notFound: 0, rejected: 0 });
  });

  it('answers 200 for an unknown, already revoked or foreign token; 401 invalid_client for a bad client; 400 without a token', async () => {
    const robotBasic = { Authorization: `Basic ${Buffer.from('robot:s3cret').toString('base64')}` };
    const robotToken = String((await postForm(gateway.tokenUrl, { grant_type: 'client_credentials' }, robotBasic)).json['access_token']);
    const tokens = await login();

    expect((await postForm(gateway.revocationUrl, { token: 'never-issued', client_id: 'benchmark-client' })).status).toBe(200);
    // The user's public client may not revoke the robot's token: 200, and nothing happens.
    expect((await postForm(gateway.revocationUrl, { token: robotToken, token_type_hint: 'access_token', client_id: 'benchmark-client' })).status).toBe(200);
    expect(gateway.authority.check(robotToken)).toBe('valid');
    expect((await postForm(gateway.revocationUrl, { token: robotToken, token_type_hint: 'access_token' }, robotBasic)).status).toBe(200);
    expect(gateway.authority.check(robotToken)).toBe('revoked');
    expect((await postForm(gateway.revocationUrl, { token: robotToken }, robotBasic)).status).toBe(200);

    const wrongSecret = await postForm(gateway.revocationUrl, { token: tokens.access, client_id: 'robot', client_secret: 'nope' });
    expect(wrongSecret).toMatchObject({ status: 401, json: { error: 'invalid_client' } });
    expect((await postForm(gateway.revocationUrl, { token: tokens.access, client_id: 'stranger' })).status).toBe(401);
    expect((await postForm(gateway.revocationUrl, { client_id: 'benchmark-client' })).json).toMatchObject({ error: 'invalid_request' });
    expect(gateway.authority.check(tokens.access)).toBe('valid');

    expect(gateway.stats().token.revocation).toEqual({ requests: 7, byHint: { none: 5, access_token: 2 }, found: { access_token: 1, refresh_token: 0 }, notFound: 3, rejected: 3 });
    expect(gateway.stats().http.byRoute['revoke']).toBe(7);
  });

  it('startTokenServer serves POST /revoke too', async () => {
    const server = await startTokenServer();
    try {
      const tokens = await postForm(server.tokenUrl, { grant_type: 'password', username: 'user@example.com', password: 'password', client_id: 'benchmark-client' });
      expect((await postForm(server.revocationUrl, { token: String(tokens.json['refresh_token']), client_id: 'benchmark-client' })).status).toBe(200);
      expect(server.authority.check(String(tokens.json['access_token']))).toBe('revoked');
    } finally {
      await server.close();
    }
  });
});
