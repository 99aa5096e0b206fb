import axios, { type AxiosResponse } from 'axios';
import { decodeJwt } from 'jose';

import { CLIENT_ASSERTION_TYPE, clientAssertion, dpopProof, generateDpopKey, type DpopKey } from '../support/oidc/jose-helpers';
import { startOidcProvider, type HarnessClientId, type OidcProvider } from '../support/oidc/start-provider';

// The harness itself, proven with plain axios/fetch and jose (never the library): each piece the
// library's OAuth tests rely on — discovery, the client authentications, DPoP with nonces at the
// token endpoint and at the API, revocation, the device flow — does what it says.

type Json = Record<string, unknown>;

let op: OidcProvider;
let meta: { token_endpoint: string; revocation_endpoint: string; device_authorization_endpoint: string } & Json;

beforeAll(async () => {
  op = await startOidcProvider();
  const response = await fetch(`${op.issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
  meta = (await response.json()) as typeof meta;
});
afterAll(() => op?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How each client authenticates: a Basic header, or fields in the form body. */
function auth(clientId: HarnessClientId): { headers: Record<string, string>; fields: Record<string, string> } {
  const { authMethod, clientSecret = '' } = op.clients[clientId];
  if (authMethod === 'client_secret_basic') {
    return { headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` }, fields: {} };
  }
  if (authMethod === 'client_secret_post') return { headers: {}, fields: { client_id: clientId, client_secret: clientSecret } };
  return { headers: {}, fields: { client_id: clientId } };
}

function post(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<AxiosResponse<Json>> {
  return axios.post<Json>(url, new URLSearchParams(fields).toString(), {
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    validateStatus: () => true,
    timeout: 5000,
  });
}

function token(clientId: HarnessClientId, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const { headers: authHeaders, fields: authFields } = auth(clientId);
  return post(meta.token_endpoint, { ...authFields, ...fields }, { ...authHeaders, ...headers });
}

/** A client_credentials DPoP token for dpop-client: the first proof is refused for want of a nonce. */
async function dpopToken(key: DpopKey): Promise<string> {
  const fields = { grant_type: 'client_credentials', resource: op.resource, scope: op.scope };
  const first = await token('dpop-client', fields, { dpop: await dpopProof(key, 'POST', meta.token_endpoint) });
  const nonce = String(first.headers['dpop-nonce']);
  const second = await token('dpop-client', fields, { dpop: await dpopProof(key, 'POST', meta.token_endpoint, { nonce }) });
  expect(second.status).toBe(200);
  return String(second.data['access_token']);
}

/** Device authorization, approval (or denial) on the provider's pages, and polls at the announced interval. */
async function deviceFlow(clientId: HarnessClientId, approval: (device: Json) => Promise<void>): Promise<AxiosResponse<Json>> {
  const { headers, fields } = auth(clientId);
  const device = await post(meta.device_authorization_endpoint, { ...fields, scope: `openid ${op.scope}`, resource: op.resource }, headers);
  expect(device.status).toBe(200);
  // oidc-provider v8 sends no interval (RFC 8628 default: 5 s); the harness adds 1 s.
  expect(device.data['interval']).toBe(op.deviceIntervalS);
  const pending = await token(clientId, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: String(device.data['device_code']) });
  expect(pending.status).toBe(400);
  expect(pending.data['error']).toBe('authorization_pending');
  await approval(device.data);
  await sleep(Number(device.data['interval']) * 1000);
  return token(clientId, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: String(device.data['device_code']) });
}

describe('the oidc-provider harness', () => {
  it('publishes a discovery document with the endpoints and methods the library reads', () => {
    expect(meta).toMatchObject({
      issuer: op.issuer,
      token_endpoint: `${op.issuer}/token`,
      revocation_endpoint: `${op.issuer}/token/revocation`,
      device_authorization_endpoint: `${op.issuer}/device/auth`,
      token_endpoint_auth_methods_supported: expect.arrayContaining(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'client_secret_jwt', 'none']),
      dpop_signing_alg_values_supported: expect.arrayContaining(['ES256']),
    });
  });

  it('issues client_credentials tokens to basic and post clients; with resource= a JWT for the API', async () => {
    const basic = await token('basic-client', { grant_type: 'client_credentials', resource: op.resource, scope: op.scope });
    expect(basic.status).toBe(200);
    expect(basic.data['token_type']).toBe('Bearer');
    expect(decodeJwt(String(basic.data['access_token']))).toMatchObject({ aud: op.resource, iss: op.issuer, client_id: 'basic-client', scope: op.scope });
    const viaPost = await token('post-client', { grant_type: 'client_credentials' });
    expect(viaPost.status).toBe(200);
    // Without a resource indicator the token is opaque (no dots): not for the API.
    expect(String(viaPost.data['access_token'])).not.toContain('.');
    const wrongSecret = await post(meta.token_endpoint, { grant_type: 'client_credentials', client_id: 'post-client', client_secret: 'wrong' });
    expect([wrongSecret.status, wrongSecret.data['error']]).toEqual([401, 'invalid_client']);
  });

  it('accepts private_key_jwt assertions with aud = issuer or token endpoint, once per jti', async () => {
    const { privateJwk } = op;
    for (const audience of [op.issuer, meta.token_endpoint]) {
      const assertion = await clientAssertion({ clientId: 'jwt-key-client', audience, privateJwk });
      const response = await post(meta.token_endpoint, { grant_type: 'client_credentials', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
      expect(response.status).toBe(200);
      // Replaying the same assertion is refused.
      const replay = await post(meta.token_endpoint, { grant_type: 'client_credentials', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
      expect([replay.status, replay.data['error']]).toEqual([401, 'invalid_client']);
    }
  });

  it('accepts client_secret_jwt (HS256 with the client secret)', async () => {
    const assertion = await clientAssertion({ clientId: 'jwt-secret-client', audience: op.issuer, secret: op.clients['jwt-secret-client'].clientSecret ?? '' });
    const response = await post(meta.token_endpoint, { grant_type: 'client_credentials', client_id: 'jwt-secret-client', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion });
    expect(response.status).toBe(200);
  });

  it('requires a DPoP nonce at the token endpoint and binds the token to the proof key', async () => {
    const key = await generateDpopKey();
    const fields = { grant_type: 'client_credentials', resource: op.resource, scope: op.scope };
    const noProof = await token('dpop-client', fields);
    expect([noProof.status, noProof.data['error']]).toEqual([400, 'invalid_grant']);
    const noNonce = await token('dpop-client', fields, { dpop: await dpopProof(key, 'POST', meta.token_endpoint) });
    expect([noNonce.status, noNonce.data['error']]).toEqual([400, 'use_dpop_nonce']);
    const nonce = noNonce.headers['dpop-nonce'];
    expect(typeof nonce).toBe('string');
    const ok = await token('dpop-client', fields, { dpop: await dpopProof(key, 'POST', meta.token_endpoint, { nonce: String(nonce) }) });
    expect(ok.status).toBe(200);
    expect(ok.data['token_type']).toBe('DPoP');
    expect(decodeJwt(String(ok.data['access_token']))).toMatchObject({ aud: op.resource, cnf: { jkt: key.thumbprint } });
    expect((await op.stats()).provider.token['client_credentials']?.nonceChallenges).toBeGreaterThanOrEqual(1);
  });

  describe('the DPoP API', () => {
    let key: DpopKey;
    let accessToken: string;
    const me = () => `${op.apiUrl}/me`;
    const call = (headers: Record<string, string>, method: 'GET' | 'POST' = 'GET', path = '/me', data?: Json) =>
      axios.request<Json>({ method, url: `${op.apiUrl}${path}`, headers, data, validateStatus: () => true, timeout: 5000 });
    const proofFor = (options: { nonce?: string; jti?: string; token?: string; proofKey?: DpopKey; htm?: string } = {}) =>
      dpopProof(options.proofKey ?? key, options.htm ?? 'GET', me(), { accessToken: options.token ?? accessToken, ...(options.nonce ? { nonce: options.nonce } : {}), ...(options.jti ? { jti: options.jti } : {}) });

    beforeAll(async () => {
      key = await generateDpopKey();
      accessToken = await dpopToken(key);
    });

    it('answers a proof without its nonce with 401 use_dpop_nonce, then accepts the retry', async () => {
      const first = await call({ authorization: `DPoP ${accessToken}`, dpop: await proofFor() });
      expect(first.status).toBe(401);
      expect(first.headers['www-authenticate']).toMatch(/^DPoP error="use_dpop_nonce", error_description="[^"]+"/);
      const nonce = String(first.headers['dpop-nonce']);
      const second = await call({ authorization: `DPoP ${accessToken}`, dpop: await proofFor({ nonce }) });
      expect(second.status).toBe(200);
      expect(second.data).toMatchObject({ client_id: 'dpop-client', jkt: key.thumbprint });
      const echo = await call({ authorization: `DPoP ${accessToken}`, dpop: await dpopProof(key, 'POST', `${op.apiUrl}/echo`, { accessToken, nonce }), 'content-type': 'application/json' }, 'POST', '/echo', { hello: 'world' });
      expect([echo.status, echo.data['body']]).toEqual([200, { hello: 'world' }]);
    });

    it('refuses a missing proof, a replayed jti, another key, a bad ath, a Bearer token', async () => {
      const { nonce } = (await op.stats()).api;
      const refusal = async (headers: Record<string, string>) => {
        const response = await call(headers);
        expect(response.status).toBe(401);
        return /error="([^"]+)"/.exec(String(response.headers['www-authenticate']))?.[1];
      };
      expect(await refusal({ authorization: `DPoP ${accessToken}` })).toBe('invalid_dpop_proof');
      const proof = await proofFor({ nonce });
      expect((await call({ authorization: `DPoP ${accessToken}`, dpop: proof })).status).toBe(200);
      expect(await refusal({ authorization: `DPoP ${accessToken}`, dpop: proof })).toBe('invalid_dpop_proof');
      expect(await refusal({ authorization: `DPoP ${accessToken}`, dpop: await proofFor({ nonce, proofKey: await generateDpopKey() }) })).toBe('invalid_dpop_proof');
      expect(await refusal({ authorization: `DPoP ${accessToken}`, dpop: await proofFor({ nonce, token: 'another token' }) })).toBe('invalid_dpop_proof');
      expect(await refusal({ authorization: `Bearer ${accessToken}` })).toBe('invalid_token');
      expect((await op.stats()).api.refusals).toMatchObject({ missing_proof: 1, replayed_proof: 1, key_mismatch: 1, ath_mismatch: 1, not_dpop_scheme: 1 });
    });

    it('rotates its nonce and refuses every token seen so far on demand', async () => {
      const oldNonce = (await op.stats()).api.nonce;
      const newNonce = await op.rotateApiNonce();
      const stale = await call({ authorization: `DPoP ${accessToken}`, dpop: await proofFor({ nonce: oldNonce }) });
      expect([stale.status, stale.headers['dpop-nonce']]).toEqual([401, newNonce]);
      const graceful = await op.rotateApiNonce({ graceful: true });
      const announced = await call({ authorization: `DPoP ${accessToken}`, dpop: await proofFor({ nonce: newNonce }) });
      expect([announced.status, announced.headers['dpop-nonce']]).toEqual([200, graceful]);
      expect(await op.rejectCurrentTokens()).toBeGreaterThanOrEqual(1);
      const rejected = await call({ authorization: `DPoP ${accessToken}`, dpop: await proofFor({ nonce: graceful }) });
      expect(rejected.status).toBe(401);
      expect(rejected.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token"/);
      // A fresh token is accepted again.
      const fresh = await dpopToken(key);
      expect((await call({ authorization: `DPoP ${fresh}`, dpop: await proofFor({ nonce: graceful, token: fresh }) })).status).toBe(200);
    });
  });

  describe('the device flow', () => {
    it('a public client: pending, approved on the provider pages, then tokens with a rotating refresh token', async () => {
      const response = await deviceFlow('device-client', (device) => op.approveDevice(String(device['verification_uri_complete'])));
      expect(response.status).toBe(200);
      expect(response.data).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String), id_token: expect.any(String) });
      expect(decodeJwt(String(response.data['access_token']))).toMatchObject({ aud: op.resource, sub: 'device-user', scope: op.scope });
      const refreshToken = String(response.data['refresh_token']);
      const refreshed = await token('device-client', { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect(refreshed.status).toBe(200);
      expect(refreshed.data['refresh_token']).not.toBe(refreshToken);
      expect(decodeJwt(String(refreshed.data['access_token']))).toMatchObject({ aud: op.resource });
      // Rotation: the used refresh token is spent (and its reuse revokes the grant).
      const reused = await token('device-client', { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect([reused.status, reused.data['error']]).toEqual([400, 'invalid_grant']);
    });

    it('a confidential client typing the user code; its refresh token revoked (RFC 7009) is then unusable', async () => {
      const response = await deviceFlow('basic-client', (device) => op.approveDevice({ verificationUri: String(device['verification_uri']), userCode: String(device['user_code']) }, { login: 'typist' }));
      expect(response.status).toBe(200);
      const refreshToken = String(response.data['refresh_token']);
      const { headers, fields } = auth('basic-client');
      const revoked = await post(meta.revocation_endpoint, { ...fields, token: refreshToken, token_type_hint: 'refresh_token' }, headers);
      expect(revoked.status).toBe(200);
      const refused = await token('basic-client', { grant_type: 'refresh_token', refresh_token: refreshToken });
      expect([refused.status, refused.data['error']]).toEqual([400, 'invalid_grant']);
      const { revocation } = (await op.stats()).provider;
      expect(revocation.byHint['refresh_token']).toEqual({ requests: 1, found: 1 });
    });

    it('denied on the confirmation page: the poll gets access_denied', async () => {
      const response = await deviceFlow('device-client', (device) => op.denyDevice(String(device['verification_uri_complete'])));
      expect([response.status, response.data['error']]).toEqual([400, 'access_denied']);
    });

    it('counts device authorizations and polls; the polls above kept to the 1 s interval', async () => {
      const { provider } = await op.stats();
      expect(provider.devicePolls).toMatchObject({ intervalS: 1, tooFast: 0 });
      expect(provider.deviceAuthorization.ok).toBe(provider.deviceAuthorization.requests);
    });
  });
});
