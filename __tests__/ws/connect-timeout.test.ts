import net from 'node:net';
import { SessionChannel } from '../../lib';
import { resolveChannelOptions } from '../../lib/ws/options';
import { startWsFixture, type WsFixture } from '../helpers/ws-fixture';

/** A port that refuses connections: listened on, then closed. */
async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('connect() always settles (connectTimeoutMs)', () => {
  let fx: WsFixture;
  const silent: net.Socket[] = [];
  let silentServer: net.Server | undefined;
  afterEach(async () => {
    for (const socket of silent.splice(0)) socket.destroy();
    await new Promise((resolve) => (silentServer ? silentServer.close(resolve) : resolve(undefined)));
    silentServer = undefined;
    await fx.close();
  });

  it('defaults to 30 s (Infinity allowed)', async () => {
    fx = await startWsFixture();
    expect(resolveChannelOptions({ url: 'ws://127.0.0.1:1/x', auth: fx.manager() }).connectTimeoutMs).toBe(30_000);
    expect(resolveChannelOptions({ url: 'ws://127.0.0.1:1/x', auth: fx.manager(), connectTimeoutMs: Infinity }).connectTimeoutMs).toBe(Infinity);
  });

  it('nothing listening: rejects with CONNECT_TIMEOUT naming ECONNREFUSED, and the channel ends', async () => {
    fx = await startWsFixture();
    const port = await refusedPort();
    const channel = new SessionChannel({ url: `ws://127.0.0.1:${port}/stream`, auth: fx.manager(), connectTimeoutMs: 400, reconnect: { initialDelayMs: 20, maxDelayMs: 50 } });
    channel.on('error', () => undefined);
    await expect(channel.connect()).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT', message: expect.stringContaining('ECONNREFUSED') });
    expect(channel.state).toBe('closed');
  });

  it('a server that accepts TCP but never answers the upgrade: rejects naming the handshake timeout', async () => {
    fx = await startWsFixture();
    silentServer = net.createServer((socket) => silent.push(socket));
    await new Promise<void>((resolve) => silentServer!.listen(0, '127.0.0.1', resolve));
    const { port } = silentServer.address() as net.AddressInfo;
    const channel = new SessionChannel({ url: `ws://127.0.0.1:${port}/stream`, auth: fx.manager(), connectTimeoutMs: 600, handshakeTimeoutMs: 100, reconnect: { initialDelayMs: 20, maxDelayMs: 50 } });
    channel.on('error', () => undefined);
    await expect(channel.connect()).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT', message: expect.stringMatching(/handshake/i) });
    expect(channel.state).toBe('closed');
    expect(silent.length).toBeGreaterThanOrEqual(1);
  });
});
