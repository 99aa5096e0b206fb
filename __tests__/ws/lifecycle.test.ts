import { AuthError, ChannelClosedError, ConfigError, QueueFullError } from '../../lib';
import { SessionChannel, type ChannelCloseEvent, type ChannelState } from '../../lib/ws';
import { nextEvent, startWsFixture, waitFor, type WsFixture } from '../helpers/ws-fixture';

describe('SessionChannel lifecycle, queue and iteration (real ws gateway)', () => {
  let fx: WsFixture;
  afterEach(() => fx.close());

  it('walks idle → connecting → open → closing → closed, emits close once, and rejects sends afterwards', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager());
    const states: Array<[ChannelState, ChannelState]> = [];
    const closes: ChannelCloseEvent[] = [];
    channel.on('stateChange', (state, previous) => states.push([previous, state]));
    channel.on('close', (event) => closes.push(event));
    expect(channel.state).toBe('idle');
    await channel.connect();
    await channel.connect(); // idempotent once open
    await Promise.all([channel.close(4000, 'bye'), channel.close()]);
    await channel.close();

    expect(states).toEqual([
      ['idle', 'connecting'],
      ['connecting', 'open'],
      ['open', 'closing'],
      ['closing', 'closed'],
    ]);
    expect(closes).toEqual([{ code: 4000, reason: 'bye', initiator: 'client', error: undefined }]);
    await waitFor(() => fx.gateway.connections[0]!.closeCode !== undefined, 'the server to see the close');
    expect(fx.gateway.connections[0]!.closeCode).toBe(4000);
    await expect(channel.send('late')).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(channel.connect()).rejects.toBeInstanceOf(ChannelClosedError);
  });

  it('queues before the first connect up to maxQueuedMessages (overflow rejects with QueueFullError), then flushes in order', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager(), { maxQueuedMessages: 3 });
    const accepted = [channel.send('a'), channel.send({ b: 2 }), channel.send(Buffer.from('c'))];
    await expect(channel.send('overflow')).rejects.toBeInstanceOf(QueueFullError);
    expect(channel.queuedMessages).toBe(3);
    const firstEcho = nextEvent(channel, 'message');
    await channel.connect();
    await Promise.all(accepted);
    expect(channel.queuedMessages).toBe(0);
    await waitFor(() => fx.gateway.connections[0]!.messages.length === 3, 'the flush');
    expect(fx.gateway.connections[0]!.messages).toEqual(['a', { b: 2 }, 'c']);
    const [first] = await firstEcho;
    expect(typeof first).toBe('string');
  });

  it('a queued message older than queuedMessageTtlMs rejects with SEND_TIMEOUT; close() rejects the rest with ChannelClosedError', async () => {
    fx = await startWsFixture();
    await fx.gateway.stop();
    const channel = fx.channel(fx.manager(), { queuedMessageTtlMs: 50 });
    const connecting = channel.connect().catch((error: unknown) => error);
    const stale = channel.send('stale').catch((error: unknown) => error);
    expect(await stale).toMatchObject({ code: 'SEND_TIMEOUT' });
    expect(await stale).toBeInstanceOf(AuthError);
    const pending = channel.send('pending').catch((error: unknown) => error);
    await channel.close();
    expect(await pending).toBeInstanceOf(ChannelClosedError);
    expect(await connecting).toBeInstanceOf(ChannelClosedError);
  });

  it('close() while the token is being fetched: no socket is opened afterwards', async () => {
    fx = await startWsFixture({ tokens: { tokenLatencyMs: 150 } });
    const channel = fx.channel(fx.manager());
    const connecting = channel.connect().catch((error: unknown) => error);
    expect(channel.state).toBe('connecting');
    await channel.close();
    expect(await connecting).toBeInstanceOf(ChannelClosedError);
    await new Promise((resolve) => setTimeout(resolve, 250)); // past the token response
    expect(fx.tokens.authority.stats().tokenRequests).toBe(1);
    expect(fx.gateway.upgrades).toEqual([]);
  });

  it('async iteration yields messages in order, bounded: a consumer that falls behind gets RECEIVE_BUFFER_FULL, not a gap', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager(), { maxBufferedMessages: 3 });
    await channel.connect();
    const iterator = channel[Symbol.asyncIterator]();
    let received = 0;
    channel.on('message', () => received++);
    for (let i = 0; i < 5; i++) fx.gateway.broadcast({ i });
    await waitFor(() => received === 5, 'five messages');

    const yielded: unknown[] = [];
    await expect(
      (async () => {
        for (;;) {
          const result = await iterator.next();
          if (result.done) return;
          yielded.push(JSON.parse(String(result.value)));
        }
      })(),
    ).rejects.toMatchObject({ code: 'RECEIVE_BUFFER_FULL' });
    expect(yielded).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
  });

  it('iteration throws the channel’s error after a fatal end, also for an iterator made afterwards; after close() it just ends', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager());
    await channel.connect();
    const consumed = (async () => {
      for await (const message of channel) void message;
    })();
    fx.gateway.closeAll(4500, 'gone');
    await expect(consumed).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(channel[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(ChannelClosedError);

    const clean = fx.channel(fx.manager());
    await clean.connect();
    const drained = (async () => {
      for await (const message of clean) void message;
      return 'ended';
    })();
    await clean.close();
    expect(await drained).toBe('ended');
    expect(await clean[Symbol.asyncIterator]().next()).toEqual({ value: undefined, done: true });
  });

  it('binary frames arrive as Buffers, text frames as strings; a value that is not JSON rejects its send', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager());
    await channel.connect();
    const messages: unknown[] = [];
    channel.on('message', (message) => messages.push(message));
    fx.gateway.connections[0]!.socket.send(Buffer.from([1, 2, 3]));
    fx.gateway.connections[0]!.socket.send('text');
    await waitFor(() => messages.length === 2, 'two frames');
    expect(messages).toEqual([Buffer.from([1, 2, 3]), 'text']);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    await expect(channel.send(circular)).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
  });

  it('undefined, a function, a symbol or a BigInt rejects its send with INVALID_MESSAGE; the server gets no frame', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager());
    await channel.connect();
    for (const value of [undefined, () => 1, Symbol('s'), 10n, { toJSON: () => undefined }]) {
      await expect(channel.send(value as never)).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
    }
    await channel.send({ last: true });
    await waitFor(() => fx.gateway.received.length >= 1, 'the valid message');
    expect(fx.gateway.received).toEqual([{ last: true }]);
  });

  it('rejects invalid options with a ConfigError naming the key', async () => {
    fx = await startWsFixture();
    const auth = fx.manager();
    expect(() => new SessionChannel({ url: 'http://127.0.0.1/x', auth })).toThrow(ConfigError);
    expect(() => new SessionChannel({ url: fx.gateway.url, auth, reconnect: { factor: -1 } })).toThrow(/reconnect\.factor/);
    expect(() => new SessionChannel({ url: fx.gateway.url, auth: {} as never })).toThrow(/options\.auth/);
  });
});
