import { AuthError, ChannelClosedError } from '../../lib';
import type { ChannelCloseEvent, ChannelState, ReconnectingEvent } from '../../lib/ws';
import { nextEvent, startWsFixture, waitFor, type WsFixture } from '../helpers/ws-fixture';

describe('SessionChannel re-authentication (real ws gateway + token server)', () => {
  let fx: WsFixture;
  afterEach(() => fx.close());

  it('reconnects with a new token after a 4401 at expiry; 100 messages sent during the outage arrive exactly once, in order', async () => {
    fx = await startWsFixture({ tokens: { accessTokenTtlSeconds: 1.5, tokenLatencyMs: 30 } });
    const auth = fx.manager();
    const channel = fx.channel(auth);
    const states: ChannelState[] = [];
    const drops: ReconnectingEvent[] = [];
    channel.on('stateChange', (state) => states.push(state));
    channel.on('reconnecting', (event) => drops.push(event));
    const outage: Array<Promise<void>> = [];
    channel.once('reconnecting', () => {
      // Sent synchronously while the channel is down: all must wait in the queue.
      for (let seq = 10; seq < 110; seq++) outage.push(channel.send({ seq }));
      expect(channel.queuedMessages).toBe(100);
    });

    await channel.connect();
    for (let seq = 0; seq < 10; seq++) await channel.send({ seq });
    await waitFor(() => fx.gateway.connections.length >= 2 && fx.gateway.received.length >= 110, 'the reconnect and the flush');
    await Promise.all(outage);
    for (let seq = 110; seq < 120; seq++) await channel.send({ seq });
    await waitFor(() => fx.gateway.received.length >= 120, 'the last messages');

    expect(fx.gateway.received).toEqual(Array.from({ length: 120 }, (_, seq) => ({ seq })));
    const [first, second] = fx.gateway.connections;
    expect(first!.closeCode).toBe(4401);
    expect(second!.token).not.toBe(first!.token);
    expect(second!.messages.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => ({ seq: 10 + i })));
    expect(drops[0]).toEqual({ attempt: 1, delayMs: 0, reason: 'unauthorized (close 4401)' });
    expect(states.slice(0, 5)).toEqual(['connecting', 'open', 'reconnecting', 'connecting', 'open']);
    expect(fx.tokens.authority.stats().grants.refresh_token).toBeGreaterThanOrEqual(1);
  });

  it('an upgrade answered 401 is retried once with a refreshed token, then accepted', async () => {
    fx = await startWsFixture();
    const auth = fx.manager();
    await auth.getAccessToken();
    fx.tokens.authority.expireAccessTokens(); // the manager still believes its token is good
    const channel = fx.channel(auth);
    const drops: ReconnectingEvent[] = [];
    channel.on('reconnecting', (event) => drops.push(event));

    await channel.connect();
    expect(fx.gateway.upgrades).toEqual([401, 101]);
    expect(drops).toEqual([{ attempt: 1, delayMs: 0, reason: 'unauthorized (http 401)' }]);
    expect(fx.tokens.authority.stats().grants).toMatchObject({ password: 1, refresh_token: 1 });
    expect(fx.tokens.authority.check(fx.gateway.connections[0]!.token)).toBe('valid');
  });

  it('a fresh token that expired on its way to a refused upgrade is refreshed again, not taken for bad credentials', async () => {
    fx = await startWsFixture();
    let clock = Date.now();
    const auth = fx.manager({ now: () => clock });
    await auth.getAccessToken();
    fx.tokens.authority.expireAccessTokens();
    fx.gateway.refuseUpgrades(401, 2);
    // The channel asks the manager again once the fresh token is refused; by then (a slow link,
    // a short lifetime) that token has run out on the manager's clock too.
    const channelAuth = {
      getAuthHeaders: () => auth.getAuthHeaders(),
      handleUnauthorized: (token?: string) => auth.handleUnauthorized(token),
      on: (event: 'token', listener: () => void) => auth.on(event, listener),
      off: (event: 'token', listener: () => void) => auth.off(event, listener),
      getAccessToken: () => {
        if (fx.gateway.upgrades.length === 2) clock += 2 * 3600_000;
        return auth.getAccessToken();
      },
    };
    const channel = fx.channel(channelAuth);
    let authFailed = false;
    channel.on('authFailed', () => (authFailed = true));
    await channel.connect();
    expect(authFailed).toBe(false);
    expect(fx.gateway.upgrades).toEqual([401, 401, 101]);
    expect(fx.tokens.authority.stats().grants).toMatchObject({ password: 1, refresh_token: 2 });
  });

  it('an upgrade that refuses fresh tokens too ends with authFailed after two upgrades (no loop)', async () => {
    fx = await startWsFixture();
    fx.gateway.refuseUpgrades(401);
    const auth = fx.manager();
    const channel = fx.channel(auth);
    const authFailed: AuthError[] = [];
    const closes: ChannelCloseEvent[] = [];
    channel.on('authFailed', (error) => authFailed.push(error));
    channel.on('close', (event) => closes.push(event));

    const outcome = await channel.connect().then(() => 'open', (error: unknown) => error);
    expect(outcome).toBeInstanceOf(AuthError);
    expect((outcome as AuthError).code).toBe('AUTH_FAILED');
    expect(fx.gateway.upgrades).toEqual([401, 401]);
    expect(authFailed).toHaveLength(1);
    expect(closes).toEqual([expect.objectContaining({ initiator: 'failure', error: authFailed[0] })]);
    expect(channel.state).toBe('closed');
    expect(fx.tokens.authority.stats().tokenRequests).toBe(2);
    await expect(channel.send('late')).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('after a stable connection drops, an upgrade refusing the fresh token too still ends with authFailed', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager(), { reconnect: { initialDelayMs: 5, maxDelayMs: 10, stableAfterMs: 50 } });
    await channel.connect();
    await new Promise((resolve) => setTimeout(resolve, 300)); // stable by now
    fx.gateway.refuseUpgrades(401);
    const failed = nextEvent(channel, 'authFailed');
    fx.gateway.closeAll(1012);
    await failed;
    expect(fx.gateway.upgrades).toEqual([101, 401, 401]);
    expect(fx.tokens.authority.stats().tokenRequests).toBe(2);
    expect(channel.state).toBe('closed');
  });

  it('a fresh token accepted at the upgrade but refused at once is retried at backoff pace, bounded by maxAttempts', async () => {
    fx = await startWsFixture();
    const reconnect = { initialDelayMs: 40, maxDelayMs: 200, factor: 2, maxAttempts: 4, stableAfterMs: 10_000 };
    const channel = fx.channel(fx.manager(), { reconnect, random: () => 0.5 });
    const drops: ReconnectingEvent[] = [];
    channel.on('reconnecting', (event) => drops.push(event));
    await channel.connect();
    const errored = nextEvent(channel, 'error');
    fx.gateway.closeNewConnections(4401);
    fx.gateway.closeAll(4401);
    const [error] = await errored;

    expect(error.message).toContain('gave up after 4 reconnect attempts');
    expect(drops.map((event) => event.attempt)).toEqual([1, 2, 3, 4]);
    // The first rejection (of a token that was not fresh) reconnects at once; the fresh ones wait a drawn delay.
    expect(drops.map((event) => event.delayMs)).toEqual([0, 40, 80, 100]); // 0.5 · min(200, 40·2^n)
    // Login + one refresh; the refreshed token refused at once is a verdict: the manager backs off instead of asking again.
    expect(fx.tokens.authority.stats().tokenRequests).toBe(2);
    expect(fx.gateway.upgrades).toEqual([101, 101]); // later attempts wait on the manager's backoff, without dialing
  });

  it('4403 on an open connection ends the channel with error; later sends reject', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager());
    await channel.connect();
    const errored = nextEvent(channel, 'error');
    const closed = nextEvent(channel, 'close');
    fx.gateway.closeAll(4403, 'forbidden');
    const [error] = await errored;
    const [close] = await closed;
    expect(error).toBeInstanceOf(ChannelClosedError);
    expect(error.message).toContain('close 4403: forbidden');
    expect(close).toMatchObject({ code: 4403, initiator: 'failure' });
    expect(channel.state).toBe('closed');
    await expect(channel.send({ after: true })).rejects.toBeInstanceOf(ChannelClosedError);
    expect(fx.gateway.connections).toHaveLength(1);
  });

  it('HTTP 403 on a reconnect rejects every queued send with ChannelClosedError', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager());
    await channel.connect();
    fx.gateway.refuseUpgrades(403);
    const queued: Array<Promise<unknown>> = [];
    channel.once('reconnecting', () => {
      for (let i = 0; i < 5; i++) queued.push(channel.send({ i }).then(() => 'sent', (error: unknown) => error));
    });
    const errored = nextEvent(channel, 'error');
    fx.gateway.closeAll(1012, 'service restart');
    const [error] = await errored;
    expect(error.message).toContain('http 403');
    const outcomes = await Promise.all(queued);
    expect(outcomes).toHaveLength(5);
    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(ChannelClosedError);
    expect(fx.gateway.upgrades).toEqual([101, 403]);
    expect(fx.gateway.received).toEqual([]);
  });

  it('a retryable token failure during a reconnect backs off and recovers', async () => {
    fx = await startWsFixture();
    const auth = fx.manager({ retryDelayMs: 20, maxRetryDelayMs: 50 });
    const channel = fx.channel(auth);
    const drops: ReconnectingEvent[] = [];
    channel.on('reconnecting', (event) => drops.push(event));
    await channel.connect();
    fx.tokens.authority.failTokenRequests(2, 503);
    fx.tokens.authority.expireAccessTokens();

    await waitFor(() => channel.state === 'open' && fx.gateway.openConnections().length === 1 && fx.gateway.connections.length === 2, 'the reconnect');
    // One drop, one event: the refresh failed, so its reason says so and its delay is the backoff's.
    expect(drops[0]!.reason).toBe('unauthorized (close 4401), token unavailable');
    expect(drops[0]!.attempt).toBe(1);
    const tokenWaits = drops.filter((event) => event.reason.endsWith('token unavailable'));
    expect(tokenWaits.length).toBeGreaterThanOrEqual(1);
    expect(tokenWaits.every((event) => event.delayMs >= 0 && event.delayMs <= 100)).toBe(true);
    expect(fx.tokens.authority.stats().rejected).toBe(2);
    expect(channel.state).toBe('open');
  });

  it('a channel waiting for a token reconnects as soon as the manager has one, not after its backoff', async () => {
    fx = await startWsFixture();
    const auth = fx.manager();
    const channel = fx.channel(auth, { reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 }, random: () => 1 });
    await channel.connect();
    const waiting = new Promise<ReconnectingEvent>((resolve) => channel.on('reconnecting', (event) => event.reason.endsWith('token unavailable') && resolve(event)));
    fx.tokens.authority.failTokenRequests(1, 503);
    fx.tokens.authority.expireAccessTokens();
    expect((await waiting).delayMs).toBe(60_000);
    await auth.refreshAccessToken(); // e.g. an HTTP call refreshed meanwhile
    await waitFor(() => channel.state === 'open' && fx.gateway.openConnections().length === 1, 'the reconnect', 5_000);
    expect(fx.gateway.connections).toHaveLength(2);
  });

  it('a permanent token failure during a reconnect ends the channel with authFailed', async () => {
    fx = await startWsFixture();
    const auth = fx.manager();
    const channel = fx.channel(auth);
    await channel.connect();
    fx.tokens.authority.failTokenRequests(100, 400); // refresh rejected, then the password grant too
    const failed = nextEvent(channel, 'authFailed');
    const closed = nextEvent(channel, 'close');
    fx.tokens.authority.expireAccessTokens();
    const [error] = await failed;
    await closed;
    expect(error.retryable).toBe(false);
    expect(channel.state).toBe('closed');
    expect(fx.tokens.authority.stats().tokenRequests).toBe(3); // first login, refresh, fallback login
    expect(fx.gateway.connections).toHaveLength(1);
  });

  it('renewOnOpenSocket renews the token on the open socket: no drop past the first token’s expiry', async () => {
    fx = await startWsFixture({ tokens: { accessTokenTtlSeconds: 2 } });
    const auth = fx.manager();
    const channel = fx.channel(auth, { renewOnOpenSocket: (token) => ({ type: 'auth', token }) });
    const drops: ReconnectingEvent[] = [];
    channel.on('reconnecting', (event) => drops.push(event));
    await channel.connect();
    const firstToken = fx.gateway.connections[0]!.token;
    expect(auth.listenerCount('token')).toBe(1);

    for (let renewal = 1; renewal <= 3; renewal++) {
      if (renewal === 3) await new Promise((resolve) => setTimeout(resolve, 1000)); // the last token outlives the first by ~1 s
      await auth.refreshAccessToken();
      await waitFor(() => fx.gateway.connections[0]!.renewals === renewal, `renewal ${renewal}`);
    }
    await waitFor(() => fx.tokens.authority.check(firstToken) === 'expired', 'the first token to expire');
    await new Promise((resolve) => setTimeout(resolve, 100)); // several expiry sweeps of the gateway

    expect(fx.gateway.connections).toHaveLength(1);
    expect(fx.gateway.connections[0]!.token).toBe(await auth.getAccessToken());
    expect(fx.gateway.openConnections()).toHaveLength(1);
    expect(drops).toEqual([]);
    await channel.close();
    expect(auth.listenerCount('token')).toBe(0);
  });

  it.each([
    ['header', 'header'],
    ['query', 'query'],
    ['subprotocol', 'subprotocol'],
  ] as const)('tokenTransport %s puts the token where the gateway reads it', async (transport, seen) => {
    fx = await startWsFixture();
    const auth = fx.manager();
    const channel = fx.channel(auth, { tokenTransport: transport });
    await channel.connect();
    expect(fx.gateway.connections[0]).toMatchObject({ transport: seen, token: await auth.getAccessToken() });
  });
});
