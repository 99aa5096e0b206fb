import WebSocket from 'ws';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../../lib/testing';
import { bearer, closeSockets, connect, postForm, refusedStatus } from './helpers';
import { ath, dpopKey, type DpopKey } from './dpop-helpers';

describe('startTestGateway: DPoP at the resource routes and the WebSocket upgrade (RFC 9449 §7, §9)', () => {
  let gateway: TestGateway;
  const start = async (options: TestGatewayOptions = {}) => {
    gateway = await startTestGateway(options);
  };
  afterEach(async () => {
    closeSockets();
    await gateway.close();
  });

  const password = { grant_type: 'password', username: 'user@example.com', password: 'password', client_id: 'benchmark-client' };
  /** A bound access token for `key` (through the nonce challenge when there is one). */
  const boundToken = async (key: DpopKey): Promise<string> => {
    let answer = await postForm(gateway.tokenUrl, password, { DPoP: await key.proof('POST', gateway.tokenUrl) });
    if (answer.json['error'] === 'use_dpop_nonce') answer = await postForm(gateway.tokenUrl, password, { DPoP: await key.proof('POST', gateway.tokenUrl, { nonce: answer.headers.get('dpop-nonce') }) });
    expect(answer.json['token_type']).toBe('DPoP');
    return String(answer.json['access_token']);
  };
  const healthUrl = () => `${gateway.baseUrl}/api/v1/health`;
  const dpopHeaders = async (key: DpopKey, token: string, method: string, url: string, claims: Record<string, unknown> = {}) => ({ Authorization: `DPoP ${token}`, DPoP: await key.proof(method, url, { ath: ath(token), ...claims }) });
  const get = (url: string, headers: Record<string, string>) => fetch(url, { headers });

  it('serves a bound token sent as DPoP with a proof for that request, GET and POST alike', async () => {
    await start();
    const key = await dpopKey();
    const token = await boundToken(key);
    const health = await get(healthUrl(), await dpopHeaders(key, token, 'GET', healthUrl()));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', subject: 'user@example.com' });
    expect((await get(`${healthUrl()}?verbose=1`, await dpopHeaders(key, token, 'GET', healthUrl()))).status).toBe(200); // htu without the query
    const sessionsUrl = `${gateway.baseUrl}/api/v1/sessions`;
    const created = await fetch(sessionsUrl, { method: 'POST', headers: await dpopHeaders(key, token, 'POST', sessionsUrl) });
    expect(created.status).toBe(201);
    expect(gateway.stats().token.dpop.proofsAccepted).toEqual({ token: 1, resource: 3 });
  });

  it('refuses a bound token sent as Bearer or without a proof (invalid_token), and a bad proof (invalid_dpop_proof)', async () => {
    await start();
    const key = await dpopKey();
    const token = await boundToken(key);
    const url = healthUrl();
    const refusals: Array<[string, Record<string, string>, string]> = [
      ['bearer-for-bound-token', bearer(token), 'invalid_token'],
      ['missing-proof', { Authorization: `DPoP ${token}` }, 'invalid_token'],
      ['ath', await dpopHeaders(key, token, 'GET', url, { ath: ath('another token') }), 'invalid_dpop_proof'],
      ['ath', await dpopHeaders(key, token, 'GET', url, { ath: undefined }), 'invalid_dpop_proof'],
      ['key-mismatch', await dpopHeaders(await dpopKey(), token, 'GET', url), 'invalid_dpop_proof'],
      ['htm', await dpopHeaders(key, token, 'POST', url), 'invalid_dpop_proof'],
      ['htu', await dpopHeaders(key, token, 'GET', gateway.tokenUrl), 'invalid_dpop_proof'],
    ];
    for (const [reason, headers, error] of refusals) {
      const response = await get(url, headers);
      const body = (await response.json()) as Record<string, unknown>;
      expect([reason, response.status, body['error']]).toEqual([reason, 401, error]);
      const challenge = response.headers.get('www-authenticate') ?? '';
      expect(challenge).toMatch(/^DPoP realm="test-gateway", algs="ES256 RS256 PS256 EdDSA", error="/);
      expect(challenge).toContain(`error="${error}"`);
    }
    const replayed = await dpopHeaders(key, token, 'GET', url);
    expect((await get(url, replayed)).status).toBe(200);
    expect((await get(url, replayed)).status).toBe(401);
    expect(gateway.stats().token.dpop.refused).toEqual({ 'bearer-for-bound-token': 1, 'missing-proof': 1, ath: 2, 'key-mismatch': 1, htm: 1, htu: 1, replay: 1 });
  });

  it('keeps unbound Bearer tokens working, and refuses one sent under the DPoP scheme', async () => {
    await start();
    const plain = String((await postForm(gateway.tokenUrl, password)).json['access_token']);
    expect((await get(healthUrl(), bearer(plain))).status).toBe(200);
    const key = await dpopKey();
    const response = await get(healthUrl(), await dpopHeaders(key, plain, 'GET', healthUrl()));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(gateway.stats().token.dpop.refused).toEqual({ 'unbound-token': 1 });
  });

  it('an expired bound token gets a DPoP invalid_token challenge, so the client refreshes', async () => {
    await start();
    const key = await dpopKey();
    const token = await boundToken(key);
    gateway.expireAccessTokens();
    const response = await get(healthUrl(), await dpopHeaders(key, token, 'GET', healthUrl()));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid_token', error_description: 'expired' });
    expect(response.headers.get('www-authenticate')).toContain('DPoP realm="test-gateway"');
    expect(gateway.stats().expiredTokenRequests).toBe(1);
  });

  it('with dpop.nonce: 401 use_dpop_nonce with DPoP-Nonce first, then 200; every answer carries the nonce; a rotated one is stale', async () => {
    await start({ dpop: { nonce: true } });
    const key = await dpopKey();
    const token = await boundToken(key);
    const url = healthUrl();
    const challenge = await get(url, await dpopHeaders(key, token, 'GET', url));
    expect(challenge.status).toBe(401);
    expect(await challenge.json()).toEqual({ error: 'use_dpop_nonce', error_description: 'nonce' });
    expect(challenge.headers.get('www-authenticate')).toContain('error="use_dpop_nonce"');
    const nonce = challenge.headers.get('dpop-nonce');
    expect(nonce).toBe(gateway.dpopNonce());

    const served = await get(url, await dpopHeaders(key, token, 'GET', url, { nonce }));
    expect(served.status).toBe(200);
    expect(served.headers.get('dpop-nonce')).toBe(nonce);
    const rotated = gateway.rotateDpopNonce();
    const stale = await get(url, await dpopHeaders(key, token, 'GET', url, { nonce }));
    expect(stale.status).toBe(401);
    expect(stale.headers.get('dpop-nonce')).toBe(rotated);
    expect((await get(url, await dpopHeaders(key, token, 'GET', url, { nonce: rotated }))).status).toBe(200);
    expect(gateway.stats().token.dpop).toMatchObject({ nonceChallenges: { token: 1, resource: 2 }, proofsAccepted: { token: 1, resource: 2 } });
  });

  it('with dpop.required: a Bearer token gets 401 with a DPoP challenge, API keys still pass', async () => {
    await start({ dpop: { required: true } });
    const missing = await get(healthUrl(), {});
    expect(missing.headers.get('www-authenticate')).toBe('DPoP realm="test-gateway", algs="ES256 RS256 PS256 EdDSA"');
    const token = gateway.authority.respond(new URLSearchParams(password)); // no HTTP, no proof: the one way to an unbound token here
    const refused = await get(healthUrl(), bearer(String(token.json['access_token'])));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('DPoP realm="test-gateway"');
    expect((await get(healthUrl(), { 'X-API-Key': 'test-api-key' })).status).toBe(200);
    const key = await dpopKey();
    expect((await get(healthUrl(), await dpopHeaders(key, await boundToken(key), 'GET', healthUrl()))).status).toBe(200);
    expect(gateway.stats().token.dpop.refused).toEqual({ required: 1 });
  });

  describe('WebSocket upgrade', () => {
    it('accepts a proof for the ws:// URL or its http:// twin, and refuses a bound token as Bearer or in the query', async () => {
      await start();
      const key = await dpopKey();
      const token = await boundToken(key);
      const wsUrl = gateway.streamUrl('d1');
      const byWs = await connect(wsUrl, { headers: await dpopHeaders(key, token, 'GET', wsUrl) });
      const byHttp = await connect(gateway.streamUrl('d2'), { headers: await dpopHeaders(key, token, 'GET', gateway.streamUrl('d2').replace('ws:', 'http:')) });
      byWs.send({ n: 1 });
      expect(await byWs.message(0)).toMatchObject({ type: 'echo', seq: 1 });
      byHttp.send({ n: 1 });
      expect(await byHttp.message(0)).toMatchObject({ type: 'echo', seq: 1 });

      const asBearer = await refusedStatus(gateway.streamUrl('d3'), { headers: bearer(token) });
      expect(asBearer.status).toBe(401);
      expect(asBearer.headers['www-authenticate']).toContain('DPoP realm="test-gateway"');
      expect((await refusedStatus(`${gateway.streamUrl('d3')}?access_token=${token}`)).status).toBe(401);
      expect((await refusedStatus(gateway.streamUrl('d3'), { headers: await dpopHeaders(key, token, 'POST', gateway.streamUrl('d3')) })).status).toBe(401);
      expect(gateway.stats().token.dpop).toMatchObject({ proofsAccepted: { resource: 2 }, refused: { 'bearer-for-bound-token': 2, htm: 1 } });
    });

    it('challenges for a nonce on the upgrade, and tells the nonce on the 101', async () => {
      await start({ dpop: { nonce: true } });
      const key = await dpopKey();
      const token = await boundToken(key);
      const url = gateway.streamUrl('n');
      const challenged = await refusedStatus(url, { headers: await dpopHeaders(key, token, 'GET', url) });
      expect(challenged.status).toBe(401);
      expect(challenged.headers['dpop-nonce']).toBe(gateway.dpopNonce());
      expect(challenged.headers['www-authenticate']).toContain('error="use_dpop_nonce"');

      const ws = new WebSocket(url, { headers: await dpopHeaders(key, token, 'GET', url, { nonce: gateway.dpopNonce() }) });
      let upgraded: Record<string, unknown> = {};
      ws.once('upgrade', (response) => (upgraded = response.headers));
      // 'open' follows 'upgrade' in the same tick: both are listened for before either can fire.
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      ws.terminate();
      expect(upgraded['dpop-nonce']).toBe(gateway.dpopNonce());
    });

    it('takes an in-band renewal with a token bound to the same key, closes with 4401 for another key', async () => {
      await start();
      const key = await dpopKey();
      const url = gateway.streamUrl('r');
      const socket = await connect(url, { headers: await dpopHeaders(key, await boundToken(key), 'GET', url) });
      socket.send({ type: 'auth', token: await boundToken(key) });
      expect(await socket.message(0)).toMatchObject({ type: 'auth_ok' });
      socket.send({ type: 'auth', token: await boundToken(await dpopKey()) });
      expect(await socket.closed).toEqual({ code: 4401, reason: 'renewal token rejected' });
    });
  });
});
