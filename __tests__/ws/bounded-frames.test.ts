import type { ReconnectingEvent } from '../../lib/ws';
import { startWsFixture, waitFor, type WsFixture } from '../helpers/ws-fixture';

describe('incoming frames and the receive buffer are bounded in bytes', () => {
  let fx: WsFixture;
  afterEach(() => fx.close());

  it('a frame above maxPayload drops the connection instead of being buffered; the channel reconnects', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager(), { maxPayload: 64 * 1024 });
    const drops: ReconnectingEvent[] = [];
    const messages: unknown[] = [];
    channel.on('reconnecting', (event) => drops.push(event));
    channel.on('message', (message) => messages.push(message));
    await channel.connect();
    fx.gateway.connections[0]!.socket.send('x'.repeat(1024 * 1024));
    await waitFor(() => fx.gateway.connections.length >= 2 && channel.state === 'open', 'the reconnect');
    expect(drops[0]?.reason).toMatch(/max payload/i);
    expect(messages).toEqual([]);
  });

  it('an iterator that does not read: RECEIVE_BUFFER_FULL once maxBufferedBytes is passed, long before maxBufferedMessages', async () => {
    fx = await startWsFixture();
    const channel = fx.channel(fx.manager(), { maxBufferedBytes: 2 * 1024 * 1024, maxBufferedMessages: 10_000 });
    await channel.connect();
    const iterator = channel[Symbol.asyncIterator]();
    const frame = 'y'.repeat(1024 * 1024);
    let received = 0;
    channel.on('message', () => received++);
    for (let n = 0; n < 3; n++) fx.gateway.connections[0]!.socket.send(frame);
    await waitFor(() => received === 3, 'three 1 MiB frames');
    expect((await iterator.next()).value).toHaveLength(frame.length);
    expect((await iterator.next()).value).toHaveLength(frame.length);
    await expect(iterator.next()).rejects.toMatchObject({ code: 'RECEIVE_BUFFER_FULL', message: expect.stringContaining('bytes') });
  });
});
