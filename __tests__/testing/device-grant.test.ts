import { startTestGateway, startTokenServer, type TestGateway, type TestGatewayOptions } from '../../lib/testing';
import { bearer, claimsOf, postForm } from './helpers';
import { dpopKey } from './dpop-helpers';

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

describe('startTestGateway: device authorization grant (RFC 8628)', () => {
  let gateway: TestGateway;
  const start = async (options: TestGatewayOptions = { device: { intervalSeconds: 0 } }) => {
    gateway = await startTestGateway(options);
  };
  afterEach(() => gateway.close());

  const authorize = async (fields: Record<string, string | string[]> = {}) => {
    const answer = await postForm(gateway.deviceAuthorizationUrl, { client_id: 'benchmark-client', scope: 'read', ...fields });
    expect(answer.status).toBe(200);
    return answer.json as { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number };
  };
  const poll = (deviceCode: string, extra: Record<string, string | string[]> = {}) => postForm(gateway.tokenUrl, { grant_type: DEVICE_CODE, device_code: deviceCode, client_id: 'benchmark-client', ...extra });

  it('hands out codes, answers authorization_pending until approved, then tokens with a refresh token, once', async () => {
    await start();
    expect(gateway.deviceAuthorizationUrl).toBe(`${gateway.baseUrl}/oauth/device_authorization`);
    const codes = await authorize();
    expect(codes).toMatchObject({ verification_uri: `${gateway.baseUrl}/device`, expires_in: 600, interval: 0 });
    expect(codes.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(codes.verification_uri_complete).toBe(`${gateway.baseUrl}/device?user_code=${codes.user_code}`);
    expect((await fetch(codes.verification_uri_complete)).status).toBe(200);

    for (let i = 0; i < 3; i++) expect(await poll(codes.device_code)).toMatchObject({ status: 400, json: { error: 'authorization_pending' } });
    expect(gateway.approveDevice(codes.user_code.toLowerCase().replace('-', ''), 'user@example.com')).toBe(true); // typed loosely, as a user would
    expect(gateway.approveDevice(codes.user_code)).toBe(false); // no longer pending
    const tokens = await poll(codes.device_code);
    expect(tokens.status).toBe(200);
    expect(tokens.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(typeof tokens.json['refresh_token']).toBe('string');
    const health = await fetch(`${gateway.baseUrl}/api/v1/health`, { headers: bearer(String(tokens.json['access_token'])) });
    expect(await health.json()).toMatchObject({ subject: 'user@example.com' });
    expect((await poll(codes.device_code)).json).toMatchObject({ error: 'invalid_grant' });
    const refreshed = await postForm(gateway.tokenUrl, { grant_type: 'refresh_token', refresh_token: String(tokens.json['refresh_token']), client_id: 'benchmark-client' });
    expect(refreshed.status).toBe(200);

    expect(gateway.stats().token.device).toEqual({ authorizations: 1, approved: 1, denied: 0, polls: { authorization_pending: 3, slow_down: 0, expired_token: 0, access_denied: 0, invalid_grant: 1, issued: 1 } });
    expect(gateway.stats().http.byRoute).toMatchObject({ deviceAuthorization: 1, deviceVerification: 1, token: 6 });
  });

  it('denyDevice → access_denied; expireDeviceCodes → expired_token; another client or an unknown code → invalid_grant', async () => {
    await start({ device: { intervalSeconds: 0 }, clients: { 'benchmark-client': '', tv: '' } });
    const denied = await authorize();
    const expired = await authorize();
    expect(gateway.denyDevice(denied.user_code)).toBe(true);
    expect(gateway.denyDevice('NOPE-NOPE')).toBe(false);
    expect((await poll(denied.device_code)).json).toMatchObject({ error: 'access_denied' });
    expect((await poll(denied.device_code, { client_id: 'tv' })).json).toMatchObject({ error: 'invalid_grant' });
    expect((await poll('made-up')).json).toMatchObject({ error: 'invalid_grant' });
    gateway.expireDeviceCodes();
    expect((await poll(expired.device_code)).json).toMatchObject({ error: 'expired_token' });
    expect(gateway.approveDevice(expired.user_code)).toBe(false);
    expect(gateway.stats().token.device.polls).toMatchObject({ access_denied: 1, invalid_grant: 2, expired_token: 1 });
  });

  it('slow_down for a poll sooner than the interval, which then grows by 5 s; slowDownNext(n) forces n of them', async () => {
    await start({ device: { intervalSeconds: 1, expiresInSeconds: 30 } });
    const codes = await authorize();
    expect(codes).toMatchObject({ interval: 1, expires_in: 30 });
    expect((await poll(codes.device_code)).json).toMatchObject({ error: 'authorization_pending' }); // the first poll is never early
    expect((await poll(codes.device_code)).json).toMatchObject({ error: 'slow_down' }); // at once: too soon
    expect((await poll(codes.device_code)).json).toMatchObject({ error: 'slow_down' }); // the interval is 6 s now

    expect(gateway.stats().token.device.polls).toMatchObject({ slow_down: 2, authorization_pending: 1 });
    await gateway.close();

    await start({ device: { intervalSeconds: 0 } });
    gateway.slowDownNext(2);
    const fast = await authorize();
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await poll(fast.device_code)).json['error']);
    // A forced slow_down does not raise the enforced interval: the third poll, at once, is on time.
    expect(answers).toEqual(['slow_down', 'slow_down', 'authorization_pending']);
    expect(gateway.stats().token.device.polls).toMatchObject({ slow_down: 2, authorization_pending: 1 });
  });

  it('authenticates confidential clients, refuses unknown ones, and records resource and audience on the authorization and every poll', async () => {
    await start({ device: { intervalSeconds: 0 }, clients: { 'benchmark-client': '', tv: 'tv-secret' } });
    expect((await postForm(gateway.deviceAuthorizationUrl, { client_id: 'stranger' })).status).toBe(401);
    expect((await postForm(gateway.deviceAuthorizationUrl, { client_id: 'tv', client_secret: 'wrong' })).json).toMatchObject({ error: 'invalid_client' });
    const resource = 'https://api.example.test/';
    const codes = await authorize({ client_id: 'tv', client_secret: 'tv-secret', resource });
    const pollAs = { client_id: 'tv', client_secret: 'tv-secret', resource };
    expect((await poll(codes.device_code, pollAs)).json).toMatchObject({ error: 'authorization_pending' });
    gateway.approveDevice(codes.user_code);
    expect((await poll(codes.device_code, pollAs)).status).toBe(200);
    const recent = gateway.stats().token.recentGrants.filter((grant) => grant.resource.length > 0);
    expect(recent.map((grant) => [grant.endpoint, grant.grantType])).toEqual([
      ['device_authorization', undefined],
      ['token', DEVICE_CODE],
      ['token', DEVICE_CODE],
    ]);
  });

  it('a poll with a DPoP proof gets tokens bound to its key', async () => {
    await start();
    const key = await dpopKey();
    const codes = await authorize();
    gateway.approveDevice(codes.user_code);
    const tokens = await postForm(gateway.tokenUrl, { grant_type: DEVICE_CODE, device_code: codes.device_code, client_id: 'benchmark-client' }, { DPoP: await key.proof('POST', gateway.tokenUrl) });
    expect(tokens.json['token_type']).toBe('DPoP');
    expect(claimsOf(tokens.json['access_token'])['cnf']).toEqual({ jkt: key.jkt });
  });

  it('startTokenServer serves POST /device_authorization too', async () => {
    await start();
    const server = await startTokenServer({ device: { intervalSeconds: 0 } });
    try {
      const codes = await postForm(server.deviceAuthorizationUrl, { client_id: 'benchmark-client' });
      expect(codes.json['verification_uri']).toBe(server.tokenUrl.replace('/token', '/device'));
      server.authority.approveDevice(String(codes.json['user_code']));
      expect((await postForm(server.tokenUrl, { grant_type: DEVICE_CODE, device_code: String(codes.json['device_code']), client_id: 'benchmark-client' })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
