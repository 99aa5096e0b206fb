import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../../lib/testing';
import { bearer, closeSockets, connect, issueToken, refusedStatus, streamUrl } from './helpers';

describe('startTestGateway: WebSocket streams', () => {
  let gateway: TestGateway;
  const start = async (options: TestGatewayOptions = {}) => {
    gateway = await startTestGateway(options);
  };
  afterEach(async () => {
    closeSockets();
    await gateway.close();
  });

  it('echoes JSON with a per-session sequence number that continues across connections', async () => {
    await start();
    const headers = bearer(issueToken(gateway));
    const first = await connect(streamUrl(gateway, 's1'), { headers });
    first.send({ n: 1 });
    first.send({ n: 2 });
    expect(await first.message(1)).toEqual({ type: 'echo', seq: 2, data: { n: 2 } });
    expect(first.messages[0]).toEqual({ type: 'echo', seq: 1, data: { n: 1 } });
    first.ws.close(1000);
    expect((await first.closed).code).toBe(1000);

    const second = await connect(streamUrl(gateway, 's1'), { headers });
    second.send('not json but a JSON string');
    expect(await second.message(0)).toMatchObject({ seq: 3, data: 'not json but a JSON string' });
    second.ws.send('{broken');
    expect(await second.message(1)).toEqual({ type: 'error', error: 'invalid_json' });
    expect(gateway.sessionStats('s1')).toMatchObject({ owner: 'user@example.com', messagesIn: 3, messagesOut: 4, connections: 2 });
    expect(gateway.stats().ws).toMatchObject({ open: 1, opened: 2, closed: { 1000: 1 }, messagesReceived: 3, messagesSent: 4 });
  });

  it('takes the token from the access_token query parameter, the access_token/bearer subprotocol or the API-key header', async () => {
    await start();
    const token = issueToken(gateway);
    const byQuery = await connect(`${streamUrl(gateway, 'q')}?access_token=${encodeURIComponent(token)}`);
    const byProtocol = await connect(streamUrl(gateway, 'p'), { protocols: ['access_token', token, 'json'] });
    expect(byProtocol.ws.protocol).toBe('access_token');
    const byBearerProtocol = await connect(streamUrl(gateway, 'b'), { protocols: ['bearer', token] });
    expect(byBearerProtocol.ws.protocol).toBe('bearer');
    const byKey = await connect(streamUrl(gateway, 'k'), { headers: { 'X-API-Key': 'test-api-key' } });
    for (const socket of [byQuery, byProtocol, byKey]) socket.send({ ping: true });
    await Promise.all([byQuery.message(0), byProtocol.message(0), byKey.message(0)]);
    expect(gateway.sessionStats('k')?.owner).toBe('api-client');
    expect(gateway.stats().ws.opened).toBe(4);
    expect((await refusedStatus(streamUrl(gateway, 'p'), { protocols: ['access_token', 'forged'] })).status).toBe(401);
  });

  it('refuses upgrades: 401 for a missing, unknown or expired token, 403 for a foreign session, 404 elsewhere', async () => {
    await start({ strictSessions: true });
    const token = issueToken(gateway);
    const owned = gateway.authority; // sessions are created over HTTP below
    expect(owned.check(token)).toBe('valid');
    const created = await fetch(`${gateway.baseUrl}/api/v1/sessions`, { method: 'POST', headers: bearer(token) });
    const { session_id: sessionId } = (await created.json()) as { session_id: string };

    const missing = await refusedStatus(streamUrl(gateway, sessionId));
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="test-gateway"');
    expect((await refusedStatus(streamUrl(gateway, sessionId), { headers: bearer('forged') })).headers['www-authenticate']).toContain('invalid_token');
    expect((await refusedStatus(streamUrl(gateway, sessionId), { headers: { 'X-API-Key': 'test-api-key' } })).status).toBe(403);
    expect((await refusedStatus(streamUrl(gateway, 'never-created'), { headers: bearer(token) })).status).toBe(404);
    expect((await refusedStatus(`${gateway.wsUrl}/elsewhere`, { headers: bearer(token) })).status).toBe(404);
    gateway.authority.expireAccessTokens();
    expect((await refusedStatus(streamUrl(gateway, sessionId), { headers: bearer(token) })).status).toBe(401);
    expect(gateway.stats()).toMatchObject({ expiredTokenRequests: 1, ws: { opened: 0, rejectedUpgrades: { 401: 3, 403: 1, 404: 2 } } });
  });

  it('expireAccessTokens(): open streams close with 4401 and HTTP answers 401; API-key streams stay', async () => {
    await start();
    const token = issueToken(gateway);
    const streams = await Promise.all(['a', 'b', 'c'].map((id) => connect(streamUrl(gateway, id), { headers: bearer(token) })));
    const keyed = await connect(streamUrl(gateway, 'robot'), { headers: { 'X-API-Key': 'test-api-key' } });
    gateway.expireAccessTokens();
    const closes = await Promise.all(streams.map((socket) => socket.closed));
    expect(closes.map((close) => close.code)).toEqual([4401, 4401, 4401]);
    expect((await fetch(`${gateway.baseUrl}/api/v1/health`, { headers: bearer(token) })).status).toBe(401);
    keyed.send({ still: 'here' });
    expect(await keyed.message(0)).toMatchObject({ seq: 1 });
    expect(gateway.stats().ws).toMatchObject({ open: 1, closed: { 4401: 3 } });
  });

  it('closes a stream with 4401 when its token reaches the end of its lifetime', async () => {
    await start({ accessTokenTtlSeconds: 0.2 });
    const socket = await connect(streamUrl(gateway, 'short'), { headers: bearer(issueToken(gateway)) });
    expect(await socket.closed).toEqual({ code: 4401, reason: 'token expired' });
    expect(gateway.stats().ws.closed).toEqual({ 4401: 1 });
  });

  it("{type:'auth'} renews the connection's token in place; a bad renewal token closes with 4401", async () => {
    await start();
    const first = issueToken(gateway);
    const renewed = await connect(streamUrl(gateway, 'renew'), { headers: bearer(first) });
    const control = await connect(streamUrl(gateway, 'control'), { headers: bearer(first) });
    renewed.send({ type: 'auth', token: issueToken(gateway) });
    const ack = await renewed.message(0);
    expect(ack['type']).toBe('auth_ok');
    expect(JSON.stringify(ack)).not.toContain('.unsigned');

    gateway.authority.expireAccessToken(first); // only the token both connections opened with
    renewed.send({ after: 'expiry of the first token' });
    control.send({ after: 'expiry of the first token' });
    expect(await renewed.message(1)).toMatchObject({ type: 'echo', seq: 1 });
    expect(await control.closed).toEqual({ code: 4401, reason: 'token expired' });
    expect(gateway.stats().ws).toMatchObject({ renewals: 1, open: 1, closed: { 4401: 1 } });

    renewed.send({ type: 'auth', token: 'forged' });
    expect((await renewed.closed).code).toBe(4401);
  });

  it('a renewal resets the expiry timer to the new token', async () => {
    await start({ accessTokenTtlSeconds: 0.2 });
    const short = await connect(streamUrl(gateway, 'short'), { headers: bearer(issueToken(gateway)) });
    gateway.authority.accessTokenTtlSeconds = 3600;
    const renewed = await connect(streamUrl(gateway, 'long'), { headers: bearer(issueToken(gateway)) });
    gateway.authority.accessTokenTtlSeconds = 0.2;
    renewed.send({ type: 'auth', token: issueToken(gateway) }); // a short-lived token replaces the long one
    expect((await renewed.closed).code).toBe(4401);
    expect((await short.closed).code).toBe(4401);
  });

  it('forbidSession(): its streams close with 4403 and new upgrades get 403', async () => {
    await start();
    const headers = bearer(issueToken(gateway));
    const socket = await connect(streamUrl(gateway, 'doomed'), { headers });
    const other = await connect(streamUrl(gateway, 'fine'), { headers });
    gateway.forbidSession('doomed');
    expect((await socket.closed).code).toBe(4403);
    expect((await refusedStatus(streamUrl(gateway, 'doomed'), { headers })).status).toBe(403);
    other.send({});
    expect(await other.message(0)).toMatchObject({ seq: 1 });
  });

  it('dropConnections() drops without a close frame (1006) or closes with the given code', async () => {
    await start();
    const headers = bearer(issueToken(gateway));
    const first = await Promise.all([connect(streamUrl(gateway, 'x'), { headers }), connect(streamUrl(gateway, 'y'), { headers })]);
    expect(gateway.dropConnections()).toBe(2);
    expect((await Promise.all(first.map((socket) => socket.closed))).map((close) => close.code)).toEqual([1006, 1006]);
    const second = await connect(streamUrl(gateway, 'x'), { headers });
    expect(gateway.dropConnections(1012)).toBe(1);
    expect((await second.closed).code).toBe(1012);
    expect(gateway.dropConnections()).toBe(0);
    expect(gateway.stats().ws).toMatchObject({ open: 0, opened: 3, closed: { 1006: 2, 1012: 1 } });
  });

  it('200 concurrent connections × 5 messages are all echoed and counted', async () => {
    await start();
    const headers = bearer(issueToken(gateway));
    const sockets = await Promise.all(Array.from({ length: 200 }, (_, i) => connect(streamUrl(gateway, `c${i}`), { headers })));
    for (const socket of sockets) for (let n = 0; n < 5; n++) socket.send({ n });
    const lasts = await Promise.all(sockets.map((socket) => socket.message(4)));
    expect(lasts.every((message) => message['seq'] === 5)).toBe(true);
    expect(gateway.stats().ws).toMatchObject({ open: 200, opened: 200, messagesReceived: 1000, messagesSent: 1000 });
    expect(gateway.sessionStats('c199')).toMatchObject({ messagesIn: 5, messagesOut: 5 });
  });

  it('close() ends open streams and leaves nothing listening', async () => {
    await start({ accessTokenTtlSeconds: 3600 });
    const sockets = await Promise.all(Array.from({ length: 20 }, (_, i) => connect(streamUrl(gateway, `z${i}`), { headers: bearer(issueToken(gateway)) })));
    await gateway.close();
    const codes = await Promise.all(sockets.map((socket) => socket.closed.then((close) => close.code)));
    expect(new Set(codes)).toEqual(new Set([1006]));
    expect(gateway.stats().ws.open).toBe(0);
    await expect(connect(streamUrl(gateway, 'late'), { headers: { 'X-API-Key': 'test-api-key' } })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
