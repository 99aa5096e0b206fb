import { ChannelClosedError } from '../../lib';
import { RATE_LIMITED_DELAY_MS, backoffCeiling, type ChannelCloseEvent, type ReconnectingEvent } from '../../lib/ws';
import { nextEvent, startWsFixture, waitFor, type WsFixture } from '../helpers/ws-fixture';

describe('SessionChannel reconnects (real ws gateway)', () => {
  let fx: WsFixture;
  afterEach(() => fx.close());

  it('server killed and restarted on the same port: backs off, reconnects, flushes the queue in order', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager(), { reconnect: { initialDelayMs: 20, maxDelayMs: 80, stableAfterMs: 10_000 } });
    const drops: ReconnectingEvent[] = [];
    channel.on('reconnecting', (event) => drops.push(event));
    await channel.connect();

    const firstDrop = nextEvent(channel, 'reconnecting');
    await fx.gateway.stop();
    await firstDrop;
    const queued = Array.from({ length: 20 }, (_, seq) => channel.send({ seq }));
    await waitFor(() => drops.length >= 3, 'three failed attempts');
    expect(channel.queuedMessages).toBe(20);
    const reopened = nextEvent(channel, 'open');
    await fx.gateway.start();
    await reopened;
    await Promise.all(queued);
    await waitFor(() => fx.gateway.received.length >= 20, 'the flush');

    expect(fx.gateway.received).toEqual(Array.from({ length: 20 }, (_, seq) => ({ seq })));
    expect(drops.map((event) => event.attempt)).toEqual(drops.map((_, index) => index + 1));
    expect(drops[0]!.reason).toBe('close 1006');
    for (const event of drops) expect(event.delayMs).toBeLessThanOrEqual(backoffCeiling(event.attempt - 1, { initialDelayMs: 20, maxDelayMs: 80, factor: 2 }));
    expect(fx.gateway.connections).toHaveLength(2);
    expect(fx.tokens.authority.stats().tokenRequests).toBe(1); // the token was still good: no refresh for a network drop
  });

  it('a silent server (no pong) is detected by the heartbeat and the channel reconnects', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager(), { heartbeatMs: 100 });
    await channel.connect();
    const dropped = nextEvent(channel, 'reconnecting');
    fx.gateway.silence();
    const [event] = await dropped;
    expect(event.reason).toBe('heartbeat timeout');
    await waitFor(() => channel.state === 'open' && fx.gateway.openConnections().length === 1 && fx.gateway.connections.length >= 2, 'the reconnect');
    await waitFor(() => fx.gateway.connections[0]!.closeCode !== undefined, 'the server to see the cut');
    expect(fx.gateway.connections[0]!.closeCode).toBe(1006); // terminated, no close handshake with a dead peer
    expect(channel.state).toBe('open');
  });

  it('draws each delay with the injected random within [0, min(max, initial·factor^n)] and gives up after maxAttempts', async () => {
    fx = await startWsFixture();
    await fx.gateway.stop(); // nothing listens: every attempt is refused
    const draws = [0.999999, 0.5, 0, 0.25, 0.75, 0.999999, 0.1, 0.6];
    let next = 0;
    const reconnect = { initialDelayMs: 4, maxDelayMs: 40, factor: 2, maxAttempts: 8, stableAfterMs: 1000 };
    const channel = fx.channel(fx.manager(), { reconnect, random: () => draws[next++ % draws.length]! });
    const drops: ReconnectingEvent[] = [];
    const closes: ChannelCloseEvent[] = [];
    channel.on('reconnecting', (event) => drops.push(event));
    channel.on('close', (event) => closes.push(event));
    const errored = nextEvent(channel, 'error');

    await expect(channel.connect()).rejects.toBeInstanceOf(ChannelClosedError);
    const [error] = await errored;
    expect(error.message).toContain('gave up after 8 reconnect attempts');
    expect(drops.map((event) => event.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    drops.forEach((event, n) => {
      const ceiling = Math.min(40, 4 * 2 ** n);
      expect(event.delayMs).toBe(Math.floor(draws[n]! * ceiling));
      expect(event.delayMs).toBeGreaterThanOrEqual(0);
      expect(event.delayMs).toBeLessThanOrEqual(ceiling);
    });
    expect(closes).toHaveLength(1);
    expect(fx.gateway.upgrades).toEqual([]);
  });

  // The attempt counter's reset after stableAfterMs: scheduling.test.ts, on injected timers.

  it('4429 waits at least the rate-limit delay; close() during that wait leaves nothing behind', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager());
    await channel.connect();
    const dropped = nextEvent(channel, 'reconnecting');
    fx.gateway.closeAll(4429, 'slow down');
    const [event] = await dropped;
    expect(event.delayMs).toBeGreaterThanOrEqual(RATE_LIMITED_DELAY_MS);
    expect(channel.state).toBe('reconnecting');
    await channel.close();
    expect(channel.state).toBe('closed');
    expect(fx.gateway.connections).toHaveLength(1);
  });

  it('1000 from the server ends the channel quietly; async iteration ends', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager());
    await channel.connect();
    const seen: string[] = [];
    const consumed = (async () => {
      for await (const message of channel) seen.push(String(message));
    })();
    await channel.send({ hello: 1 });
    await waitFor(() => seen.length === 1, 'the echo');
    const closed = nextEvent(channel, 'close');
    fx.gateway.closeAll(1000, 'session over');
    const [event] = await closed;
    await consumed;
    expect(event).toEqual({ code: 1000, reason: 'session over', initiator: 'server', error: undefined });
    expect(seen).toEqual([JSON.stringify({ type: 'echo', seq: 1, data: { hello: 1 } })]);
    expect(channel.state).toBe('closed');
  });
});
