import util from 'node:util';
import axios, { type AxiosInstance } from 'axios';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, type JWK } from 'jose';
import { AuthManager, attachAuth, ErrorCodes, type DpopKeyOptions } from '../../lib';
import type { OidcProvider } from '../support/oidc/start-provider';
import { useOidcProvider } from '../support/oidc/use-provider';

// DPoP (RFC 9449) against oidc-provider with nonces required, and an API that checks every proof
// (htm, htu, iat, jti, ath, cnf.jkt) and asks for its own nonce. Counted at both servers.

const harness = useOidcProvider();
let op: OidcProvider;
beforeAll(() => {
  op = harness.provider();
});

function dpopManager(dpop: true | DpopKeyOptions = true): AuthManager {
  const auth = new AuthManager({
    grant: 'client_credentials',
    issuer: op.issuer,
    clientId: 'dpop-client',
    clientSecret: op.clients['dpop-client'].clientSecret!,
    resource: op.resource,
    scope: op.scope,
    dpop,
  });
  return harness.track(auth);
}

function api(auth: AuthManager): AxiosInstance {
  const instance = axios.create({ baseURL: op.apiUrl, timeout: 10_000 });
  attachAuth(instance, auth);
  return instance;
}

describe('DPoP', () => {
  it('the token endpoint asks for a nonce once: the grant is retried with it, bound, and not counted as a failure', async () => {
    const auth = dpopManager();
    const headers = await auth.getAuthHeaders({ method: 'GET', url: `${op.apiUrl}/me?x=1#frag` });
    expect(headers['Authorization']).toMatch(/^DPoP /);
    const proof = decodeJwt(headers['DPoP']!);
    expect(proof).toMatchObject({ htm: 'GET', htu: `${op.apiUrl}/me`, ath: expect.any(String), jti: expect.any(String), iat: expect.any(Number) });
    expect(decodeProtectedHeader(headers['DPoP']!)).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
    expect(decodeProtectedHeader(headers['DPoP']!).jwk).not.toHaveProperty('d');
    const { token } = (await op.stats()).provider;
    expect(token['client_credentials']).toMatchObject({ requests: 2, ok: 1, nonceChallenges: 1 });
    expect(auth.metrics()).toMatchObject({ tokenRequests: 1, refreshFailures: 0 });
    // A proof names one request: without it there is nothing to sign.
    await expect(auth.getAuthHeaders()).rejects.toMatchObject({ code: ErrorCodes.INVALID_OPTIONS, key: 'request' });
  });

  it('attachAuth: the API\'s nonce challenge is answered once, silently; later requests carry the cached nonce', async () => {
    const auth = dpopManager();
    const client = api(auth);
    await expect(client.get('/me')).resolves.toMatchObject({ status: 200 });
    await expect(client.post('/echo', { hello: 'world' })).resolves.toMatchObject({ status: 200, data: expect.objectContaining({ body: { hello: 'world' } }) });
    await expect(client.get('/me', { params: { page: 2 } })).resolves.toMatchObject({ status: 200 });
    const stats = (await op.stats()).api;
    expect(stats).toMatchObject({ requests: 4, accepted: 3, nonceChallenges: 1, refusals: {} });
    expect(auth.metrics()).toMatchObject({ unauthorized: 0, tokenRequests: 1 });
  });

  it('a rotated API nonce is picked up from the challenge, again without a refresh', async () => {
    const auth = dpopManager();
    const client = api(auth);
    await client.get('/me');
    await op.rotateApiNonce();
    await expect(client.get('/me')).resolves.toMatchObject({ status: 200 });
    expect((await op.stats()).api).toMatchObject({ nonceChallenges: 2, accepted: 2 });
    expect(auth.metrics()).toMatchObject({ unauthorized: 0, tokenRequests: 1 });
  });

  it('a storm of 200 concurrent 401s causes one token request; every replay carries a fresh proof and is accepted', async () => {
    const auth = dpopManager();
    const client = api(auth);
    await client.get('/me');
    const before = (await op.stats()).provider.token['client_credentials']!.ok;
    expect(await op.rejectCurrentTokens()).toBeGreaterThan(0);
    const answers = await Promise.all(Array.from({ length: 200 }, () => client.get('/me')));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const stats = await op.stats();
    expect(stats.provider.token['client_credentials']!.ok - before).toBe(1);
    // Each of the 200 was refused once (its token was rejected), then accepted; no proof was ever replayed.
    expect(stats.api.refusals).toEqual({ rejected_token: 200 });
    expect(stats.api.accepted).toBe(201);
    expect(auth.metrics()).toMatchObject({ tokenRequests: 2, refreshFailures: 0 });
  });

  it('a token without its proof, as Bearer, or with a replayed proof is refused by the API', async () => {
    const auth = dpopManager();
    await api(auth).get('/me'); // learns the API's nonce
    const url = `${op.apiUrl}/me`;
    const headers = await auth.getAuthHeaders({ method: 'GET', url });
    const token = headers['Authorization']!.slice('DPoP '.length);
    const send = (extra: Record<string, string>) => axios.get(url, { headers: extra, validateStatus: () => true });
    expect((await send({ Authorization: `DPoP ${token}` })).status).toBe(401);
    expect((await send({ Authorization: `Bearer ${token}` })).status).toBe(401);
    expect((await send({ ...headers })).status).toBe(200);
    expect((await send({ ...headers })).status).toBe(401);
    expect((await op.stats()).api.refusals).toEqual({ missing_proof: 1, not_dpop_scheme: 1, replayed_proof: 1 });
  });

  it('a key of your own (a JWK): the token is bound to its thumbprint', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = (await exportJWK(pair.privateKey)) as JWK & { kty: string };
    const auth = dpopManager({ privateKey: privateJwk });
    const { data } = await api(auth).get('/me');
    expect(data).toBeDefined();
    const token = await auth.getAccessToken();
    expect(decodeJwt(token)['cnf']).toEqual({ jkt: await calculateJwkThumbprint(await exportJWK(pair.publicKey)) });
  });

  it('neither the manager nor a 401 handed back shows the private key, the token or its proof', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = (await exportJWK(pair.privateKey)) as JWK & { kty: string };
    const auth = dpopManager({ privateKey: privateJwk });
    const client = api(auth);
    await client.get('/me');
    const token = await auth.getAccessToken();
    await op.rejectCurrentTokens();
    const refused = await client.get('/me', { retryOn401: false }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ response: { status: 401 } });
    for (const shown of [auth, refused]) {
      const text = `${util.inspect(shown, { depth: Infinity, showHidden: true })}${JSON.stringify(shown)}`;
      expect(text).not.toContain(String(privateJwk.d));
      expect(text).not.toContain(token);
      expect(text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/); // no JWT at all: neither the token nor a proof
    }
  });
});
