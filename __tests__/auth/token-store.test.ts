import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuthManager, FileTokenStore, MemoryTokenStore, type TokenSet, type TokenStore } from '../../lib';
import { startTokenServer, type TokenServer } from '../helpers/token-server';

describe('token stores', () => {
  let server: TokenServer;
  let dir: string;
  beforeEach(async () => {
    server = await startTokenServer({ users: { alice: 'a-pass', bob: 'b-pass' } });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'axios-ws-auth-'));
  });
  afterEach(async () => {
    await server.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const manager = (store: TokenStore, username = 'alice', password = 'a-pass') =>
    new AuthManager({ grant: 'password', tokenUrl: server.tokenUrl, clientId: 'benchmark-client', username, password, store });

  it('FileTokenStore caches tokens between runs in a 0600 file, written atomically', async () => {
    const file = path.join(dir, 'cache', 'tokens.json');
    const first = await manager(new FileTokenStore(file)).getAccessToken();
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(await fs.readdir(path.dirname(file))).toEqual(['tokens.json']); // no temp file left behind

    const secondRun = manager(new FileTokenStore(file));
    const events: string[] = [];
    secondRun.on('token', (event) => events.push(event.source));
    expect(await secondRun.getAccessToken()).toBe(first);
    expect(server.authority.stats().tokenRequests).toBe(1);
    expect(events).toEqual(['store']);
  });

  it('keys by token URL + client + user so identities never mix', async () => {
    const store = new FileTokenStore(path.join(dir, 'tokens.json'));
    const alice = await manager(store).getAccessToken();
    const bob = await manager(store, 'bob', 'b-pass').getAccessToken();
    expect(bob).not.toBe(alice);
    expect(await manager(store).getAccessToken()).toBe(alice);
    expect(await manager(store, 'bob', 'b-pass').getAccessToken()).toBe(bob);
    expect(server.authority.stats().grants.password).toBe(2);
  });

  it('a corrupt file is reported and ignored', async () => {
    const file = path.join(dir, 'tokens.json');
    await fs.writeFile(file, '{"version":1,"entries":');
    const warnings: string[] = [];
    const store = new FileTokenStore(file, { onWarning: (message) => warnings.push(message) });
    const token = await manager(store).getAccessToken();
    expect(server.authority.check(token)).toBe('valid');
    expect(warnings).toEqual([expect.stringContaining('corrupt')]);
    const saved = JSON.parse(await fs.readFile(file, 'utf8')) as { entries: Record<string, TokenSet> };
    expect(Object.values(saved.entries).map((set) => set.accessToken)).toEqual([token]);
  });

  it("without onWarning, a corrupt file's warning goes through the manager's logger", async () => {
    const file = path.join(dir, 'tokens.json');
    await fs.writeFile(file, '{"version":1,"entries":');
    const warnings: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (message: string) => void warnings.push(message), error: () => undefined };
    const store = new FileTokenStore(file);
    const auth = new AuthManager({ grant: 'password', tokenUrl: server.tokenUrl, clientId: 'benchmark-client', username: 'alice', password: 'a-pass', store, logger });
    expect(server.authority.check(await auth.getAccessToken())).toBe('valid');
    expect(warnings.filter((message) => message.includes('corrupt'))).toHaveLength(1);
  });

  it('concurrent saves in one process never interleave', async () => {
    const store = new FileTokenStore(path.join(dir, 'tokens.json'));
    const set = (n: number): TokenSet => ({ accessToken: `a${n}`, tokenType: 'Bearer', receivedAt: n });
    await Promise.all(Array.from({ length: 50 }, (_, n) => store.save(`k${n}`, set(n))));
    for (let n = 0; n < 50; n++) expect(await store.load(`k${n}`)).toEqual(set(n));
    await store.clear('k0');
    expect(await store.load('k0')).toBeUndefined();
  });

  it('a token rotated by another process is read from the store before any refresh token is presented', async () => {
    const file = path.join(dir, 'tokens.json');
    const processA = manager(new FileTokenStore(file));
    const processB = manager(new FileTokenStore(file));
    const shared = await processA.getAccessToken();
    expect(await processB.getAccessToken()).toBe(shared);

    await processA.handleUnauthorized(shared); // A rotates: B's refresh token is now used up
    const rotatedByA = await processA.getAccessToken();
    await processB.handleUnauthorized(shared); // B re-reads the store first: A's token, no request
    expect(await processB.getAccessToken()).toBe(rotatedByA);
    // Presenting B's rotated-out refresh token would have been refused (and, with reuse detection, revoked the grant).
    expect(server.authority.stats()).toMatchObject({ grants: { password: 1, refresh_token: 1 }, rejected: 0 });
    expect(processB.metrics()).toMatchObject({ tokenRequests: 0, fallbacks: 0, authentications: 0, storeHits: 2 });
  });

  it('a store with withLock runs token requests inside it and re-reads first', async () => {
    const inner = new MemoryTokenStore();
    let locked = 0;
    let queue: Promise<unknown> = Promise.resolve();
    const store: TokenStore = {
      load: (key) => inner.load(key),
      save: (key, set) => inner.save(key, set),
      clear: (key) => inner.clear(key),
      withLock<T>(_key: string, fn: () => Promise<T>): Promise<T> {
        locked++;
        const run = queue.then(fn);
        queue = run.catch(() => undefined);
        return run;
      },
    };
    // Two "processes" (managers) share the locked store: each expiry costs one refresh in all.
    const a = manager(store);
    const b = manager(store);
    const first = await a.getAccessToken();
    expect(await b.getAccessToken()).toBe(first);
    await Promise.all([a.handleUnauthorized(first), b.handleUnauthorized(first)]);
    expect(await a.getAccessToken()).toBe(await b.getAccessToken());
    expect(server.authority.stats().grants).toMatchObject({ password: 1, refresh_token: 1 });
    expect(locked).toBeGreaterThanOrEqual(3);
  });
});
