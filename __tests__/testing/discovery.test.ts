import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../../lib/testing';
import { readAnswer } from './helpers';

describe('startTestGateway: authorization server metadata (RFC 8414, OpenID Connect Discovery)', () => {
  let gateway: TestGateway;
  const start = async (options: TestGatewayOptions = {}) => {
    gateway = await startTestGateway(options);
  };
  afterEach(() => gateway.close());

  const get = (path: string) => fetch(`${gateway.baseUrl}${path}`).then(readAnswer);

  it('serves the same metadata at both well-known paths, without credentials', async () => {
    await start();
    expect(gateway.discoveryUrl).toBe(`${gateway.baseUrl}/.well-known/openid-configuration`);
    expect(gateway.issuer).toBe(gateway.baseUrl);
    const openid = await get('/.well-known/openid-configuration');
    const oauth = await get('/.well-known/oauth-authorization-server');
    expect(openid.status).toBe(200);
    expect(openid.headers.get('content-type')).toBe('application/json');
    expect(oauth.json).toEqual(openid.json);
    expect(openid.json).toEqual({
      issuer: gateway.baseUrl,
      token_endpoint: gateway.tokenUrl,
      revocation_endpoint: gateway.revocationUrl,
      device_authorization_endpoint: gateway.deviceAuthorizationUrl,
      grant_types_supported: ['password', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none', 'client_secret_jwt', 'private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: expect.arrayContaining(['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA']),
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none', 'client_secret_jwt', 'private_key_jwt'],
      revocation_endpoint_auth_signing_alg_values_supported: expect.arrayContaining(['HS256', 'ES256']),
      dpop_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    });
    expect(String(openid.json['issuer']).endsWith('/')).toBe(false);
    expect(gateway.stats().discovery).toEqual({ requests: 2, byDocument: { 'openid-configuration': 1, 'oauth-authorization-server': 1 }, failed: 0, notFound: 0 });
    expect(gateway.stats().http.byRoute).toEqual({ discovery: 2 });
  });

  it('announces custom paths', async () => {
    await start({ paths: { token: '/as/token', revoke: '/as/revoke', deviceAuthorization: '/as/device' } });
    const { json } = await get('/.well-known/oauth-authorization-server');
    expect(json).toMatchObject({ token_endpoint: `${gateway.baseUrl}/as/token`, revocation_endpoint: `${gateway.baseUrl}/as/revoke`, device_authorization_endpoint: `${gateway.baseUrl}/as/device` });
  });

  it('discovery.issuer announces another issuer (a client must refuse it); omit serves only one document', async () => {
    await start({ discovery: { issuer: 'https://idp.example.test', omit: ['openid-configuration'] } });
    expect(gateway.issuer).toBe('https://idp.example.test');
    const omitted = await get('/.well-known/openid-configuration');
    expect(omitted).toMatchObject({ status: 404, json: { error: 'not_found' } });
    const served = await get('/.well-known/oauth-authorization-server');
    expect(served.json).toMatchObject({ issuer: 'https://idp.example.test', token_endpoint: gateway.tokenUrl });
    expect(gateway.stats().discovery).toMatchObject({ requests: 2, notFound: 1 });
  });

  it('failDiscovery(n) answers 503 to exactly the next n requests, whichever document', async () => {
    await start();
    gateway.failDiscovery(2);
    const statuses = [];
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) statuses.push((await get(path)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(gateway.stats().discovery).toEqual({ requests: 3, byDocument: { 'openid-configuration': 2, 'oauth-authorization-server': 1 }, failed: 2, notFound: 0 });
    expect(gateway.stats().http.byStatus).toEqual({ 200: 1, 503: 2 });
  });

  it('answers only GET', async () => {
    await start();
    expect((await fetch(gateway.discoveryUrl, { method: 'POST' })).status).toBe(404);
    expect(gateway.stats().discovery.requests).toBe(0);
  });
});
