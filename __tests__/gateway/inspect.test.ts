import { inspect } from 'node:util';
import { AuthManager, GatewayClient } from '../../lib';
import { startTestGateway, type TestGateway } from '../../lib/testing';

/** Everything a user could print of `value`. */
const printed = (value: unknown) => [inspect(value, { depth: Infinity, showHidden: true }), JSON.stringify(value)].join('\n');

describe('a GatewayClient and its SessionChannels print metadata only', () => {
  let gateway: TestGateway;
  beforeEach(async () => {
    gateway = await startTestGateway({ users: { alice: 'pw-Gateway-3318' }, clients: { svc: 'client-Secret-5521' } });
  });
  afterEach(() => gateway.close());

  it.each(['header', 'query', 'subprotocol'] as const)('with the token sent by %s, while open and after close', async (tokenTransport) => {
    const auth = new AuthManager({ grant: 'password', tokenUrl: gateway.tokenUrl, clientId: 'svc', clientSecret: 'client-Secret-5521', username: 'alice', password: 'pw-Gateway-3318' });
    const client = new GatewayClient({ baseUrl: gateway.baseUrl, auth });
    try {
      const session = await client.createSession({});
      const channel = client.openSession(session.sessionId, { tokenTransport });
      await channel.connect();
      await channel.send({ hello: 1 });
      const token = await auth.getAccessToken();
      const { refreshToken } = await auth.authenticate();
      const secrets = ['pw-Gateway-3318', 'client-Secret-5521', token, refreshToken!, await auth.getAccessToken()];
      for (const text of [printed(client), printed(channel), printed({ client, channel })]) {
        for (const secret of secrets) expect(text).not.toContain(secret);
      }
      expect(JSON.parse(JSON.stringify(channel))).toMatchObject({ state: 'open', tokenTransport });
      expect(JSON.parse(JSON.stringify(client))).toMatchObject({ baseUrl: new URL(gateway.baseUrl).origin, channels: 1, auth: { grant: 'password' } });
      await channel.close();
      for (const secret of secrets) expect(printed(channel)).not.toContain(secret);
    } finally {
      await client.close();
      auth.close();
    }
  });
});
