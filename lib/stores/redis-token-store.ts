import type { Redis } from 'ioredis';
import type { LockInfo, TokenStore } from '../auth/token-store';
import type { TokenSet } from '../auth/token-set';
import { AuthError, ErrorCodes, invalidOption, safeCause } from '../errors';
import { EntryCodec, type StoreWarning } from './entry';
import { withRedisLock } from './redis-lock';
import { ReleaseNotices } from './release-notices';
import { Sealer, hashKey, type EncryptionKey } from './sealed';
import { INSPECT, printed } from '../auth/printable';

export interface RedisTokenStoreOptions {
  /** An ioredis 5 or 6 client (or Cluster). The store never closes it: it is yours. */
  client: Redis;
  /** Prepended to every key and channel. Default `'axios-ws-auth:'`. */
  prefix?: string;
  /** A lock whose holder died is taken over after this long. Default 15 000 ms (above the 10 s token request deadline). */
  lockTtlMs?: number;
  /** 32 bytes (or their base64/hex): entries are AES-256-GCM encrypted at rest. */
  encryptionKey?: EncryptionKey;
  /** A Redis command slower than this counts as Redis being down. Default 2 000 ms. */
  commandTimeoutMs?: number;
  /** Told of an unreadable entry or a lock problem. Default `process.emitWarning`. */
  onWarning?: StoreWarning;
}

/**
 * Token sets in Redis, shared by every process and machine on one identity,
 * with a lock so that they make one token request per expiry between them.
 * Keys are hashes of the identity (no user name in Redis). The manager never
 * touches Redis while its token is good; when Redis is down or slow, its
 * calls fail fast with `STORE_UNAVAILABLE` and the manager carries on alone.
 */
export class RedisTokenStore implements TokenStore {
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly lockTtlMs: number;
  private readonly commandTimeoutMs: number;
  private readonly codec: EntryCodec;
  private readonly notices: ReleaseNotices;
  private readonly warn: StoreWarning;
  private warnTo: StoreWarning | undefined;

  constructor(options: RedisTokenStoreOptions) {
    const client = options?.client as Partial<Redis> | undefined;
    if (typeof client?.set !== 'function' || typeof client.eval !== 'function' || typeof client.duplicate !== 'function') {
      throw invalidOption('RedisTokenStore', 'client', 'must be an ioredis client');
    }
    this.client = options.client;
    this.prefix = options.prefix ?? 'axios-ws-auth:';
    if (typeof this.prefix !== 'string') throw invalidOption('RedisTokenStore', 'prefix', 'must be a string');
    this.lockTtlMs = positive(options.lockTtlMs, 'lockTtlMs', 15_000);
    this.commandTimeoutMs = positive(options.commandTimeoutMs, 'commandTimeoutMs', 2_000);
    this.warn = (message) => (options.onWarning ?? this.warnTo ?? ((text: string) => process.emitWarning(text, 'AxiosWsAuthWarning')))(message);
    const sealer = options.encryptionKey === undefined ? undefined : new Sealer(options.encryptionKey, 'RedisTokenStore');
    this.codec = new EntryCodec(sealer, this.warn);
    this.notices = new ReleaseNotices(this.client, `${this.prefix}released`);
    // The client's options hold the Redis password: keep it out of util.inspect and JSON.
    for (const field of ['client', 'codec', 'notices'] as const) Object.defineProperty(this, field, { enumerable: false });
  }

  async load(key: string): Promise<TokenSet | undefined> {
    const text = await this.command(() => this.client.get(this.entryKey(key)));
    return text === null ? undefined : this.codec.decode(text, this.entryKey(key), 'RedisTokenStore');
  }

  async save(key: string, tokenSet: TokenSet): Promise<void> {
    const entryKey = this.entryKey(key);
    const text = await this.codec.encode(tokenSet, entryKey);
    await this.command(() => this.client.set(entryKey, text));
  }

  async clear(key: string): Promise<void> {
    await this.command(() => this.client.del(this.entryKey(key)));
  }

  /** Runs `fn` holding this identity's lock (see the class comment); `STORE_UNAVAILABLE` when Redis cannot be asked. */
  withLock<T>(key: string, fn: (lock?: LockInfo) => Promise<T>): Promise<T> {
    return withRedisLock(this.client, `${this.prefix}lock:${hashKey(key)}`, {
      lockTtlMs: this.lockTtlMs,
      maxPollMs: Math.max(20, Math.min(250, this.lockTtlMs / 10)),
      now: Date.now,
      command: (run) => this.command(run),
      notices: this.notices,
      warn: (message) => this.warn(`RedisTokenStore: ${message}`),
    }, fn);
  }

  /** Where warnings go when no `onWarning` was given: the manager hands over its logger. */
  useLogger(logger: { warn(message: string): void }): void {
    this.warnTo ??= (message) => logger.warn(`axios-ws-auth: ${message}`);
  }

  /** Closes the store's own pub/sub connection (the client you gave stays open). */
  async close(): Promise<void> {
    await this.notices.close();
  }

  toJSON(): Record<string, unknown> {
    return { store: 'redis', prefix: this.prefix, lockTtlMs: this.lockTtlMs, encrypted: this.codec.encrypted };
  }

  [INSPECT](): string {
    return printed('RedisTokenStore', this.toJSON());
  }

  private entryKey(key: string): string {
    return `${this.prefix}token:${hashKey(key)}`;
  }

  /** One command with a deadline: ioredis queues commands while disconnected, which would otherwise wait for ever. */
  private command<T>(run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(unavailable(`no answer within ${this.commandTimeoutMs} ms`)), this.commandTimeoutMs);
      run().then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(unavailable(safeCause(error).message, error));
        },
      );
    });
  }
}

function unavailable(detail: string, cause?: unknown): AuthError {
  return new AuthError(`Redis token store unavailable: ${detail}`, { code: ErrorCodes.STORE_UNAVAILABLE, retryable: true, cause });
}

function positive(value: unknown, key: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalidOption('RedisTokenStore', key, 'must be a positive number of ms');
  return value;
}
