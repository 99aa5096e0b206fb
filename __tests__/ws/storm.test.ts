import type { SessionChannel } from '../../lib/ws';
import { startWsFixture, waitFor, type WsFixture } from '../helpers/ws-fixture';

const CHANNELS = 500;

describe('SessionChannel refresh storm (500 real connections, one AuthManager)', () => {
  let fx: WsFixture;
  afterEach(() => fx.close());

  it('500 channels closed with 4401 at once: exactly one token request, all reconnect, queued messages exactly once', async () => {
    fx = await startWsFixture({ tokens: { tokenLatencyMs: 20 }, gateway: { echo: false } });
    const auth = fx.manager();
    const channels: SessionChannel[] = Array.from({ length: CHANNELS }, () => fx.channel(auth));
    await Promise.all(channels.map((channel) => channel.connect()));
    expect(fx.tokens.authority.stats().tokenRequests).toBe(1);
    expect(fx.gateway.openConnections()).toHaveLength(CHANNELS);
    const oldToken = fx.gateway.connections[0]!.token;
    let startedAt = Date.now();

    let reopened = 0;
    let allDroppedMs = 0;
    let refreshedMs = 0;
    auth.once('refreshed', () => (refreshedMs = Date.now() - startedAt));
    const reasons: string[] = [];
    const queued: Array<Promise<void>> = [];
    channels.forEach((channel, index) => {
      channel.once('reconnecting', (event) => {
        reasons.push(event.reason);
        if (reasons.length === CHANNELS) allDroppedMs = Date.now() - startedAt;
        queued.push(channel.send({ channel: index, n: 0 }), channel.send({ channel: index, n: 1 }));
      });
      channel.on('open', () => reopened++);
    });

    fx.tokens.authority.expireAccessTokens();
    startedAt = Date.now();
    fx.gateway.closeAll(4401, 'token expired');
    await waitFor(() => reopened === CHANNELS, 'all channels to reopen', 60_000);
    const allBackMs = Date.now() - startedAt;
    await Promise.all(queued);
    await waitFor(() => fx.gateway.received.length >= 2 * CHANNELS, 'the queued messages', 30_000);

    const stats = fx.tokens.authority.stats();
    expect(stats.tokenRequests).toBe(2); // the first login and ONE refresh for 500 rejections
    expect(stats.grants).toMatchObject({ password: 1, refresh_token: 1 });
    expect(reasons).toHaveLength(CHANNELS);
    expect(new Set(reasons)).toEqual(new Set(['unauthorized (close 4401)']));
    const reconnected = fx.gateway.connections.slice(CHANNELS);
    expect(reconnected).toHaveLength(CHANNELS);
    const newTokens = new Set(reconnected.map((connection) => connection.token));
    expect(newTokens.size).toBe(1);
    expect(newTokens.has(oldToken)).toBe(false);
    expect(fx.gateway.openConnections()).toHaveLength(CHANNELS);
    expect(channels.every((channel) => channel.state === 'open')).toBe(true);

    // Exactly once, in order per channel.
    const perChannel = new Map<number, number[]>();
    for (const message of fx.gateway.received as Array<{ channel: number; n: number }>) {
      perChannel.set(message.channel, [...(perChannel.get(message.channel) ?? []), message.n]);
    }
    expect(perChannel.size).toBe(CHANNELS);
    for (const sequence of perChannel.values()) expect(sequence).toEqual([0, 1]);

    console.log(`[storm] ${CHANNELS} channels, 4401 at once: token requests during the storm = ${stats.tokenRequests - 1}, upgrades = ${fx.gateway.upgrades.length}, all dropped after ${allDroppedMs} ms, refresh done after ${refreshedMs} ms, all back after ${allBackMs} ms, ${fx.gateway.received.length} queued messages delivered once`);
  }, 120_000);
});
