import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { AuthManager, FileTokenStore, MemoryTokenStore, type TokenStore } from '../../lib';
import { startTokenServer, type TokenServer } from '../helpers/token-server';

const PASSWORD = 'pw-Inspect-7781';
const CLIENT_SECRET = 'cs-Inspect-9902';

/** Everything a user could print of `value`. */
const printed = (value: unknown) => [inspect(value, { depth: Infinity, showHidden: true }), JSON.stringify(value)].join('\n');

describe('the library objects print metadata only', () => {
  let server: TokenServer;
  let dir: string;
  beforeEach(async () => {
    server = await startTokenServer({ users: { alice: PASSWORD }, clients: { svc: CLIENT_SECRET } });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'axios-ws-auth-inspect-'));
  });
  afterEach(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it.each<[string, () => TokenStore]>([
    ['MemoryTokenStore', () => new MemoryTokenStore()],
    ['FileTokenStore', () => new FileTokenStore(path.join(dir, 'tokens.json'))],
  ])('an AuthManager and its %s after tokens were obtained, refreshed and saved', async (_name, makeStore) => {
    const store = makeStore();
    const auth = new AuthManager({ grant: 'password', tokenUrl: server.tokenUrl, clientId: 'svc', clientSecret: CLIENT_SECRET, username: 'alice', password: PASSWORD, store, autoRefresh: true });
    try {
      auth.on('token', () => undefined);
      const first = await auth.getAccessToken();
      const { refreshToken: firstRefresh } = await auth.authenticate();
      await auth.handleUnauthorized(await auth.getAccessToken());
      const current = await auth.getAccessToken();
      await auth.getAuthHeaders(); // fills the header cache
      const inFlight = auth.refreshAccessToken(); // a flight under way is printed too
      const secrets = [PASSWORD, CLIENT_SECRET, first, firstRefresh!, current];
      for (const text of [printed(auth), printed(store), printed({ auth, store })]) {
        for (const secret of secrets) expect(text).not.toContain(secret);
      }
      await inFlight;
      const stored = await store.load(`${server.tokenUrl}|svc|alice`);
      for (const text of [printed(auth), printed(store)]) {
        for (const secret of [...secrets, stored!.accessToken, stored!.refreshToken!]) expect(text).not.toContain(secret);
      }
      // What is shown is useful metadata.
      const shown = printed(auth);
      for (const metadata of ['password', server.tokenUrl, 'svc', 'fingerprint', 'expiresAt']) expect(shown).toContain(metadata);
      expect(JSON.parse(JSON.stringify(auth))).toMatchObject({ grant: 'password', tokenUrl: server.tokenUrl, clientId: 'svc', fingerprint: expect.any(String), expiresAt: expect.any(Number) });
    } finally {
      auth.close();
    }
  });

  it('an api_key manager never prints its key', () => {
    const auth = new AuthManager({ grant: 'api_key', apiKey: 'key-Inspect-4410' });
    expect(printed(auth)).not.toContain('key-Inspect-4410');
    expect(printed(auth)).toContain('api_key');
  });
});
