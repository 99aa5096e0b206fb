import WebSocket from 'ws';
import type { ClientOptions } from 'ws';
import { startWsFixture, waitFor, type WsFixture } from '../helpers/ws-fixture';

describe('SessionChannel sending on a socket that is closing', () => {
  let fx: WsFixture;
  afterEach(() => fx.close());

  it('queues the message for the next connection instead of spinning on the dying socket', async () => {
    fx = await startWsFixture();
    const sockets: CountingSocket[] = [];
    class CountingSocket extends WebSocket {
      sends = 0;
      constructor(url: string, protocols: string[], options: ClientOptions) {
        super(url, protocols, options);
        sockets.push(this);
        const send = this.send.bind(this) as (...args: unknown[]) => void;
        this.send = ((...args: unknown[]) => {
          this.sends++;
          send(...args);
        }) as WebSocket['send'];
      }
    }
    const channel = fx.channel(fx.manager(), { WebSocket: CountingSocket });
    await channel.connect();
    // The socket starts closing; the channel still reads 'open' until the close completes.
    sockets[0]!.close(4000, 'going away');
    expect(channel.state).toBe('open');
    const sent = channel.send({ seq: 1 });

    await waitFor(() => fx.gateway.received.length === 1, 'the message on the next connection');
    await sent;
    expect(sockets).toHaveLength(2);
    expect(sockets[0]!.sends).toBeLessThanOrEqual(1); // at most one failed try, not a loop
    expect(fx.gateway.received).toEqual([{ seq: 1 }]);
  });
});
