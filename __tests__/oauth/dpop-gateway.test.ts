import axios from 'axios';
import { AuthManager, SessionChannel, attachAuth } from '../../lib';
import { startTestGateway, type TestGateway } from '../../lib/testing';

// The library against its own test kit with DPoP required and server nonces on (one nonce for the
// token endpoint and the API, as one origin): discovery, HTTP requests, and a SessionChannel whose
// upgrades carry proofs, through a nonce rotation and a token expiry. Counted at the gateway.

let gateway: TestGateway;
const open: { close(): unknown }[] = [];

beforeEach(async () => {
  gateway = await startTestGateway({ dpop: { required: true, nonce: true } });
});
afterEach(async () => {
  for (const closable of open.splice(0)) await closable.close();
  await gateway.close();
});

function manager(): AuthManager {
  const auth = new AuthManager({ grant: 'password', issuer: gateway.issuer, clientId: 'benchmark-client', username: 'user@example.com', password: 'password', dpop: true });
  open.push(auth);
  return auth;
}

/** Resolves on the channel's next 'open'. */
const opened = (channel: SessionChannel) => new Promise<void>((resolve) => channel.once('open', () => resolve()));

describe('DPoP through the test gateway', () => {
  it('HTTP: one nonce challenge at the token endpoint, then every request carries the nonce the origin sent', async () => {
    const auth = manager();
    const api = axios.create({ baseURL: gateway.baseUrl });
    attachAuth(api, auth);
    for (let i = 0; i < 3; i++) expect((await api.get('/api/v1/health')).status).toBe(200);
    const { dpop } = gateway.stats().token;
    expect(dpop.nonceChallenges).toEqual({ token: 1, resource: 0 });
    expect(dpop.proofsAccepted).toEqual({ token: 1, resource: 3 });
    expect(dpop.refused).toEqual({});
    expect(gateway.stats().discovery.requests).toBe(1);
    // After a nonce rotation the next request is challenged once and replayed, with no token request.
    gateway.rotateDpopNonce();
    expect((await api.get('/api/v1/health')).status).toBe(200);
    expect(gateway.stats().token.dpop.nonceChallenges).toEqual({ token: 1, resource: 1 });
    expect(auth.metrics()).toMatchObject({ tokenRequests: 1, unauthorized: 0 });
  });

  it('a SessionChannel signs each upgrade; a nonce challenge on an upgrade reconnects without a refresh; an expiry refreshes once', async () => {
    const auth = manager();
    const channel = new SessionChannel({ url: gateway.streamUrl('s1'), auth, reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    open.push(channel);
    await channel.connect();
    expect(gateway.streams.upgrades).toEqual([101]);

    gateway.rotateDpopNonce();
    const back = opened(channel);
    gateway.dropConnections();
    await back;
    // The upgrade with the stale nonce was refused (401 use_dpop_nonce), the next one carried the new nonce.
    expect(gateway.streams.upgrades).toEqual([101, 401, 101]);
    expect(gateway.stats().token.dpop.nonceChallenges.resource).toBe(1);
    expect(auth.metrics()).toMatchObject({ tokenRequests: 1, unauthorized: 0 });

    const renewed = opened(channel);
    gateway.expireAccessTokens(); // the stream closes with 4401
    await renewed;
    expect(auth.metrics().tokenRequests).toBe(2);
    expect(gateway.stats().token.dpop.refused).toEqual({});
    await channel.close();
  });
});
