import { exportJWK, generateKeyPair } from 'jose';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../../lib/testing';
import { claimsOf, postForm } from './helpers';
import { dpopKey, signProof, type DpopKey } from './dpop-helpers';

describe('startTestGateway: DPoP at the token endpoint (RFC 9449 §5, §8)', () => {
  let gateway: TestGateway;
  const start = async (options: TestGatewayOptions = {}) => {
    gateway = await startTestGateway({ clients: { 'benchmark-client': '', robot: 's3cret' }, ...options });
  };
  afterEach(() => gateway.close());

  const password = { grant_type: 'password', username: 'user@example.com', password: 'password', client_id: 'benchmark-client' };
  const tokenRequest = async (key: DpopKey | undefined, fields: Record<string, string> = password, claims: Record<string, unknown> = {}) =>
    postForm(gateway.tokenUrl, fields, key ? { DPoP: await key.proof('POST', gateway.tokenUrl, claims) } : {});

  it('binds the tokens to the proof key: token_type DPoP, cnf.jkt in the access token', async () => {
    await start();
    for (const alg of ['ES256', 'RS256', 'PS256', 'EdDSA']) {
      const key = await dpopKey(alg);
      const answer = await tokenRequest(key);
      expect(answer.status).toBe(200);
      expect(answer.json['token_type']).toBe('DPoP');
      expect(claimsOf(answer.json['access_token'])['cnf']).toEqual({ jkt: key.jkt });
      expect(gateway.authority.binding(String(answer.json['access_token']))).toBe(key.jkt);
      expect(answer.headers.get('dpop-nonce')).toBeNull(); // no nonces unless asked for
    }
    const plain = await tokenRequest(undefined);
    expect(plain.json['token_type']).toBe('Bearer');
    expect(claimsOf(plain.json['access_token'])).not.toHaveProperty('cnf');
    expect(gateway.stats().token.dpop).toEqual({ proofsAccepted: { token: 4, resource: 0 }, nonceChallenges: { token: 0, resource: 0 }, refused: {} });
  });

  it('accepts htu with a query string or another spelling of the origin, and a proof from localhost', async () => {
    await start();
    const key = await dpopKey();
    expect((await tokenRequest(key, password, { htu: `${gateway.tokenUrl}?x=1#f` })).status).toBe(200);
    expect((await tokenRequest(key, password, { htu: gateway.tokenUrl.replace('http://', 'HTTP://') })).status).toBe(200);
    const localhost = gateway.tokenUrl.replace('127.0.0.1', 'localhost');
    expect((await postForm(localhost, password, { DPoP: await key.proof('POST', localhost) })).status).toBe(200);
  });

  it('refuses bad proofs with 400 invalid_dpop_proof, and counts them by reason', async () => {
    await start();
    const key = await dpopKey();
    const other = await dpopKey();
    const now = Math.floor(Date.now() / 1000);
    const url = () => gateway.tokenUrl;
    const { privateKey: secretless } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(secretless);
    const cases: Array<[string, () => Promise<string>]> = [
      ['malformed', async () => 'not-a-jwt'],
      ['malformed', async () => `${await key.proof('POST', url())}, ${await key.proof('POST', url())}`], // two DPoP headers
      ['typ', () => key.proof('POST', url(), {}, { typ: 'JWT' })],
      ['alg', () => signProof(new TextEncoder().encode('a-shared-secret-of-32-bytes-long'), { alg: 'HS256', typ: 'dpop+jwt', jwk: key.jwk }, { htm: 'POST', htu: url(), iat: now, jti: 'h' })],
      ['jwk', () => signProof(secretless, { alg: 'ES256', typ: 'dpop+jwt', jwk: privateJwk }, { htm: 'POST', htu: url(), iat: now, jti: 'p' })],
      ['jwk', () => key.proof('POST', url(), {}, { jwk: undefined })],
      ['signature', () => signProof(other.privateKey, { alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk }, { htm: 'POST', htu: url(), iat: now, jti: 's' })],
      ['htm', () => key.proof('GET', url())],
      ['htu', () => key.proof('POST', `${gateway.baseUrl}/elsewhere`)],
      ['htu', () => key.proof('POST', url(), { htu: undefined })],
      ['iat', () => key.proof('POST', url(), { iat: now - 120 })],
      ['iat', () => key.proof('POST', url(), { iat: now + 120 })],
      ['jti', () => key.proof('POST', url(), { jti: undefined })],
    ];
    for (const [reason, make] of cases) {
      const answer = await postForm(gateway.tokenUrl, password, { DPoP: await make() });
      expect([reason, answer.status, answer.json['error']]).toEqual([reason, 400, 'invalid_dpop_proof']);
    }
    expect(gateway.stats().token.dpop.refused).toEqual({ malformed: 2, typ: 1, alg: 1, jwk: 2, signature: 1, htm: 1, htu: 2, iat: 2, jti: 1 });
    expect(gateway.stats().token).toMatchObject({ rejected: cases.length, grants: { password: 0 } });
  });

  it('refuses a replayed proof (same key, same jti), and takes the same jti from another key', async () => {
    await start();
    const key = await dpopKey();
    const proof = await key.proof('POST', gateway.tokenUrl, { jti: 'once' });
    expect((await postForm(gateway.tokenUrl, password, { DPoP: proof })).status).toBe(200);
    const replayed = await postForm(gateway.tokenUrl, password, { DPoP: proof });
    expect(replayed).toMatchObject({ status: 400, json: { error: 'invalid_dpop_proof' } });
    expect((await tokenRequest(await dpopKey(), password, { jti: 'once' })).status).toBe(200);
    expect(gateway.stats().token.dpop).toMatchObject({ proofsAccepted: { token: 2 }, refused: { replay: 1 } });
  });

  it('with dpop.nonce: use_dpop_nonce and a DPoP-Nonce header first, then success; a rotated nonce is stale', async () => {
    await start({ dpop: { nonce: true } });
    const key = await dpopKey();
    const challenge = await tokenRequest(key);
    expect(challenge).toMatchObject({ status: 400, json: { error: 'use_dpop_nonce' } });
    const nonce = challenge.headers.get('dpop-nonce');
    expect(nonce).toBe(gateway.dpopNonce());

    const granted = await tokenRequest(key, password, { nonce });
    expect(granted.status).toBe(200);
    expect(granted.headers.get('dpop-nonce')).toBe(nonce); // every token answer carries the current nonce

    const rotated = gateway.rotateDpopNonce();
    expect(rotated).not.toBe(nonce);
    const stale = await tokenRequest(key, password, { nonce });
    expect(stale).toMatchObject({ status: 400, json: { error: 'use_dpop_nonce' } });
    expect(stale.headers.get('dpop-nonce')).toBe(rotated);
    expect((await tokenRequest(key, password, { nonce: rotated })).status).toBe(200);
    // Without a proof there is nothing to put a nonce in: a Bearer token, as before.
    const bearer = await tokenRequest(undefined);
    expect(bearer.json['token_type']).toBe('Bearer');
    expect(bearer.headers.get('dpop-nonce')).toBe(rotated);
    expect(gateway.stats().token.dpop).toMatchObject({ proofsAccepted: { token: 2 }, nonceChallenges: { token: 2, resource: 0 }, refused: {} });
  });

  it("binds a public client's refresh token to its key: the same key refreshes, another key or no proof does not", async () => {
    await start();
    const key = await dpopKey();
    const first = await tokenRequest(key);
    const refresh = (token: unknown, with_: DpopKey | undefined) => tokenRequest(with_, { grant_type: 'refresh_token', refresh_token: String(token), client_id: 'benchmark-client' });

    expect((await refresh(first.json['refresh_token'], undefined)).json).toMatchObject({ error: 'invalid_dpop_proof' });
    expect((await refresh(first.json['refresh_token'], await dpopKey())).json).toMatchObject({ error: 'invalid_grant' });
    const second = await refresh(first.json['refresh_token'], key); // the refusals did not use it up
    expect(second.status).toBe(200);
    expect(claimsOf(second.json['access_token'])['cnf']).toEqual({ jkt: key.jkt });
    expect((await refresh(second.json['refresh_token'], key)).status).toBe(200);
    expect(gateway.stats().token.dpop.refused).toEqual({ 'missing-proof': 1, 'key-mismatch': 1 });
  });

  it("does not bind a confidential client's refresh token (RFC 9449 §5): any key, or none, refreshes", async () => {
    await start({ clients: { robot: 's3cret' }, users: { 'user@example.com': 'password' } });
    const robot = { client_id: 'robot', client_secret: 's3cret' };
    const first = await tokenRequest(await dpopKey(), { ...password, ...robot });
    expect(first.json['token_type']).toBe('DPoP');
    const other = await dpopKey();
    const second = await tokenRequest(other, { grant_type: 'refresh_token', refresh_token: String(first.json['refresh_token']), ...robot });
    expect(claimsOf(second.json['access_token'])['cnf']).toEqual({ jkt: other.jkt });
    const third = await tokenRequest(undefined, { grant_type: 'refresh_token', refresh_token: String(second.json['refresh_token']), ...robot });
    expect(third.json['token_type']).toBe('Bearer');
  });

  it('with dpop.required: a token request without a proof gets invalid_dpop_proof, every grant type alike', async () => {
    await start({ dpop: { required: true } });
    expect((await tokenRequest(undefined)).json).toMatchObject({ error: 'invalid_dpop_proof' });
    expect((await tokenRequest(undefined, { grant_type: 'client_credentials', client_id: 'robot', client_secret: 's3cret' })).status).toBe(400);
    expect((await tokenRequest(await dpopKey(), { grant_type: 'client_credentials', client_id: 'robot', client_secret: 's3cret' })).json['token_type']).toBe('DPoP');
    expect(gateway.stats().token.dpop.refused).toEqual({ required: 2 });
  });

  it('judges the proof before the client: a nonce challenge comes first even for a bad client, and an injected failure before either', async () => {
    await start({ dpop: { nonce: true } });
    const key = await dpopKey();
    expect((await tokenRequest(key, { ...password, client_id: 'stranger' })).json).toMatchObject({ error: 'use_dpop_nonce' });
    expect((await tokenRequest(key, { ...password, client_id: 'stranger' }, { nonce: gateway.dpopNonce() })).json).toMatchObject({ error: 'invalid_client' });
    gateway.failTokenRequests(1);
    expect((await tokenRequest(key)).status).toBe(503);
    expect(gateway.stats().token.dpop.nonceChallenges.token).toBe(1);
  });
});
