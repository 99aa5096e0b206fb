import { ChannelClosedError, ConfigError, SessionChannel } from '../../lib';
import { startWsFixture, waitFor, type WsFixture } from '../helpers/ws-fixture';

describe('SessionChannel edge cases', () => {
  let fx: WsFixture;
  afterEach(() => fx.close());

  it('close() from a reconnecting listener, with a zero delay, ends the channel cleanly', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager(), { reconnect: { initialDelayMs: 0, maxDelayMs: 0 } });
    await channel.connect();
    const closed = new Promise((resolve) => channel.once('close', resolve));
    channel.once('reconnecting', () => void channel.close());
    fx.gateway.closeAll(1011);
    await closed;
    expect(channel.state).toBe('closed');
    await expect(channel.send('late')).rejects.toBeInstanceOf(ChannelClosedError);
    expect(fx.gateway.connections).toHaveLength(1); // no reconnect after close()
  });

  it('a socket that ws refuses to open ends the channel and rejects connect()', async () => {
    fx = await startWsFixture();
    // The token subprotocol marker offered twice: ws throws synchronously.
    const channel = fx.channel(fx.manager(), { tokenTransport: 'subprotocol', protocols: ['access_token'] });
    await expect(channel.connect()).rejects.toThrow(/could not open the socket/);
    await waitFor(() => channel.state === 'closed', 'the end');
  });

  it('a refused connection says so in the reconnect reason and the final error', async () => {
    fx = await startWsFixture();
    const port = new URL(fx.gateway.url).port;
    await fx.gateway.stop();
    const channel = fx.channel(fx.manager(), { url: `ws://127.0.0.1:${port}/stream`, reconnect: { initialDelayMs: 1, maxDelayMs: 1, maxAttempts: 1 } });
    const reasons: string[] = [];
    channel.on('reconnecting', (event) => reasons.push(event.reason));
    await expect(channel.connect()).rejects.toThrow(/ECONNREFUSED/);
    expect(reasons[0]).toMatch(/^close 1006 \(connect ECONNREFUSED/);
  });
});

describe('SessionChannel options', () => {
  it('refuses wsOptions.followRedirects: credentials would follow the redirect', () => {
    expect(
      () => new SessionChannel({ url: 'ws://127.0.0.1:1/stream', auth: { getAccessToken: async () => 't', getAuthHeaders: async () => ({}), handleUnauthorized: async () => undefined, on: () => undefined, off: () => undefined }, wsOptions: { followRedirects: true } }),
    ).toThrow(ConfigError);
  });
});
