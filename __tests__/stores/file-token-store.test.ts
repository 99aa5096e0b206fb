import { fork, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { AuthManager, FileTokenStore, type TokenSet } from '../../lib';
import { startRawServer } from '../helpers/token-server';

/** The writer fixture bundled into one plain script, so real child processes run the real store. */
let writerScript: string;
let dir: string;
beforeAll(async () => {
  const bundleDir = await fs.mkdtemp(path.join(os.tmpdir(), 'axios-ws-auth-writer-'));
  writerScript = path.join(bundleDir, 'store-writer.js');
  buildSync({ entryPoints: [path.join(__dirname, 'fixtures/store-writer.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: writerScript, logLevel: 'error' });
});
afterAll(() => fs.rm(path.dirname(writerScript), { recursive: true, force: true }));
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'axios-ws-auth-store-'));
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

function writer(...args: string[]): ChildProcess {
  return fork(writerScript, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function next(child: ChildProcess, message: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (received: unknown) => {
      if (received !== message) return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`writer exited (${code}) before '${message}'`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('FileTokenStore across processes', () => {
  it('two processes with different identities writing at once never lose an entry', async () => {
    const file = path.join(dir, 'tokens.json');
    const rounds = 150;
    const children = [writer('hammer', file, 'alice', String(rounds)), writer('hammer', file, 'bob', String(rounds))];
    try {
      await Promise.all(children.map((child) => next(child, 'ready')));
      const done = children.map((child) => next(child, 'done'));
      for (const child of children) child.send('go');
      await Promise.all(done);
      await Promise.all(children.map(exited));
    } finally {
      for (const child of children) child.kill('SIGKILL');
    }
    // Every save read the file, changed one entry and wrote it back: a race loses the other process's entries.
    const saved = JSON.parse(await fs.readFile(file, 'utf8')) as { entries: Record<string, TokenSet> };
    const keys = Object.keys(saved.entries);
    const missing = ['alice', 'bob'].flatMap((identity) => Array.from({ length: rounds }, (_, n) => `${identity}-${n}`)).filter((key) => !keys.includes(key));
    expect(missing).toEqual([]);
    expect(await fs.readdir(dir)).toEqual(['tokens.json']); // no temp file, no lock left
  });

  it('a writer killed with -9 mid-write: its lock is taken over, its temp file (holding tokens) removed', async () => {
    const file = path.join(dir, 'tokens.json');
    await new FileTokenStore(file).save('carol', { accessToken: 'at-carol', tokenType: 'Bearer', receivedAt: 1 });
    const child = writer('die-mid-write', file, 'dave');
    await next(child, 'writing');
    child.kill('SIGKILL');
    await exited(child);
    const leftovers = (await fs.readdir(dir)).filter((name) => name !== 'tokens.json');
    expect(leftovers.some((name) => name.endsWith('.tmp'))).toBe(true); // the crash left tokens on disk

    const store = new FileTokenStore(file, { lockTtlMs: 2_000 });
    await store.save('erin', { accessToken: 'at-erin', tokenType: 'Bearer', receivedAt: 2 });
    expect(await fs.readdir(dir)).toEqual(['tokens.json']);
    expect((await store.load('carol'))?.accessToken).toBe('at-carol');
    expect((await store.load('erin'))?.accessToken).toBe('at-erin');
  });
});

describe('FileTokenStore values', () => {
  it('expires_in: 1e308 is stored as a sane, finite expiry, and the cache is reused by the next run', async () => {
    const server = await startRawServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"access_token":"forever","token_type":"Bearer","expires_in":1e308}'));
    });
    try {
      const file = path.join(dir, 'tokens.json');
      const options = { grant: 'client_credentials', tokenUrl: server.url, clientId: 'c', clientSecret: 's' } as const;
      expect(await new AuthManager({ ...options, store: new FileTokenStore(file) }).getAccessToken()).toBe('forever');
      const saved = Object.values((JSON.parse(await fs.readFile(file, 'utf8')) as { entries: Record<string, TokenSet> }).entries);
      expect(saved).toHaveLength(1);
      const [entry] = saved;
      expect(Number.isFinite(entry!.expiresAt)).toBe(true);
      expect(entry!.expiresAt! - entry!.receivedAt).toBeLessThanOrEqual(366 * 86_400_000);
      expect(await new AuthManager({ ...options, store: new FileTokenStore(file) }).getAccessToken()).toBe('forever');
      expect(server.hits()).toBe(1);
    } finally {
      await server.close();
    }
  });
});
