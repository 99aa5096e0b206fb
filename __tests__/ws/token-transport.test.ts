import WebSocket, { type ClientOptions } from 'ws';
import { AuthManager, SessionChannel } from '../../lib';
import { startTestGateway } from '../../lib/testing';
import { credentialsFor } from '../../lib/ws/token-transport';
import { startWsFixture, type WsFixture } from '../helpers/ws-fixture';

describe('token transport on the upgrade', () => {
  const source = { getAccessToken: async () => 'tok.en', getAuthHeaders: async () => ({ Authorization: 'Bearer tok.en' }) };

  it('places the token per transport and remembers which token was used', async () => {
    const url = 'ws://127.0.0.1:1/stream?room=7';
    expect(await credentialsFor(source, 'header', url, ['v1'])).toEqual({ url, headers: { Authorization: 'Bearer tok.en' }, protocols: ['v1'], tokenUsed: 'tok.en' });
    expect((await credentialsFor(source, 'query', url, [])).url).toBe('ws://127.0.0.1:1/stream?room=7&access_token=tok.en');
    expect((await credentialsFor(source, { query: 'jwt' }, url, [])).url).toBe('ws://127.0.0.1:1/stream?room=7&jwt=tok.en');
    expect((await credentialsFor(source, 'subprotocol', url, ['v1'])).protocols).toEqual(['access_token', 'tok.en', 'v1']);
    expect((await credentialsFor(source, { subprotocol: (token) => [`bearer.${token}`] }, url, [])).protocols).toEqual(['bearer.tok.en']);
  });

  it('an api_key manager sends its own header, and there is no token to report as rejected', async () => {
    const auth = new AuthManager({ grant: 'api_key', apiKey: 'k-1', header: 'X-Gateway-Key' });
    expect(await credentialsFor(auth, 'header', 'ws://127.0.0.1:1/', [])).toMatchObject({ headers: { 'X-Gateway-Key': 'k-1' }, tokenUsed: undefined });
  });

  it('an API key refused at the upgrade, refused again after the "refresh", ends the channel (no reconnect for ever)', async () => {
    const gateway = await startTestGateway({ apiKeys: { 'k-1': 'svc' } });
    try {
      gateway.streams.refuseUpgrades(401);
      const auth = new AuthManager({ grant: 'api_key', apiKey: 'k-1' });
      const channel = new SessionChannel({ url: gateway.streamUrl('s1'), auth, reconnect: { initialDelayMs: 5, maxDelayMs: 10 } });
      await expect(channel.connect()).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      expect(gateway.streams.upgrades).toEqual([401, 401]);
      await channel.close();
    } finally {
      await gateway.close();
    }
  });

  describe('with a real gateway', () => {
    let fx: WsFixture;
    afterEach(() => fx.close());

    it('uses an injected WebSocket constructor for every connection', async () => {
      fx = await startWsFixture();
      const built: string[] = [];
      class CountingWebSocket extends WebSocket {
        constructor(url: string, protocols: string[], options: ClientOptions) {
          super(url, protocols, options);
          built.push(url);
        }
      }
      const channel = fx.channel(fx.manager(), { WebSocket: CountingWebSocket });
      await channel.connect();
      const reopened = new Promise<void>((resolve) => channel.once('open', () => resolve()));
      fx.gateway.closeAll(1012);
      await reopened;
      expect(built).toEqual([fx.gateway.url, fx.gateway.url]);
    });
  });
});
