import type { TokenSet } from '../auth/token-set';
import type { LockInfo, TokenStore } from '../auth/token-store';
import { AuthError, ErrorCodes, safeCause } from '../errors';
import { INSPECT, printed } from '../auth/printable';
import { RedisTokenStore } from './redis-token-store';

interface OwnedClient {
  readonly status?: string;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * A `RedisTokenStore` on a `redis://` (or `rediss://`) URL, as a config's
 * `token_cache` gives it: the client is made on first use (ioredis, an
 * optional peer, is loaded then) and is this store's own, so `close()` ends it.
 * A Redis that cannot be reached is a store error like any other: the manager
 * warns and goes on with its in-process single flight.
 */
export class RedisUrlStore implements TokenStore {
  private opened: Promise<RedisTokenStore> | undefined;
  private client: OwnedClient | undefined;
  private warnTo: ((message: string) => void) | undefined;
  private closed = false;

  constructor(private readonly url: string) {
    // Both may carry the password (ioredis keeps it in its options).
    Object.defineProperty(this, 'url', { enumerable: false });
    Object.defineProperty(this, 'client', { enumerable: false, writable: true, value: undefined });
  }

  async load(key: string): Promise<TokenSet | undefined> {
    return (await this.store()).load(key);
  }

  async save(key: string, tokenSet: TokenSet): Promise<void> {
    return (await this.store()).save(key, tokenSet);
  }

  async clear(key: string): Promise<void> {
    return (await this.store()).clear(key);
  }

  async withLock<T>(key: string, fn: (lock?: LockInfo) => Promise<T>): Promise<T> {
    return (await this.store()).withLock(key, fn);
  }

  useLogger(logger: { warn(message: string): void }): void {
    this.warnTo ??= (message) => logger.warn(`axios-ws-auth: ${message}`);
  }

  /** Closes the store and its own Redis connection. */
  async close(): Promise<void> {
    this.closed = true;
    const opened = this.opened;
    this.opened = undefined;
    const store = await opened?.catch(() => undefined);
    await store?.close();
    const client = this.client;
    this.client = undefined;
    // A client that never got ready is reconnecting in the background: quit() would wait for it.
    if (client?.status === 'ready') await client.quit().catch(() => client.disconnect());
    else client?.disconnect();
  }

  toJSON(): Record<string, unknown> {
    const { protocol, host } = new URL(this.url);
    return { store: 'redis', server: `${protocol}//${host}` };
  }

  [INSPECT](): string {
    return printed('RedisUrlStore', this.toJSON());
  }

  private store(): Promise<RedisTokenStore> {
    // A manager still answers calls after close(): its store must not open a connection nobody would end.
    if (this.closed) return Promise.reject(new AuthError('the Redis token cache is closed', { code: ErrorCodes.STORE_UNAVAILABLE }));
    this.opened ??= this.open();
    return this.opened;
  }

  private async open(): Promise<RedisTokenStore> {
    let Redis: new (url: string, options: Record<string, unknown>) => OwnedClient;
    try {
      // require, not import(): the package is CommonJS (its ESM entry wraps it), and jest runs it so too.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const loaded = require('ioredis') as { default?: typeof Redis; Redis?: typeof Redis };
      Redis = (loaded.default ?? loaded.Redis)!;
    } catch (error) {
      throw new AuthError('token_cache is a redis:// URL, which needs the ioredis package (npm install ioredis)', { code: ErrorCodes.STORE_UNAVAILABLE, cause: safeCause(error) });
    }
    // Fail fast while Redis is away (the manager goes on without it), reconnect in the background.
    const client = new Redis(this.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (attempt: number) => Math.min(5_000, 100 * 2 ** attempt) });
    client.on('error', () => undefined); // each failed call is reported by the manager, once
    this.client = client;
    await new Promise<void>((resolve) => {
      const ready = client as unknown as { status?: string; once(event: string, listener: () => void): unknown };
      if (ready.status === 'ready') return resolve();
      const timer = setTimeout(resolve, 2_000); // not ready by then: the first call fails fast and is a store error
      ready.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return new RedisTokenStore({ client: client as unknown as ConstructorParameters<typeof RedisTokenStore>[0]['client'], ...(this.warnTo && { onWarning: this.warnTo }) });
  }
}
