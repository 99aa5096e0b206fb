import type { TokenSet } from '../auth/token-set';
import type { LockInfo, TokenStore } from '../auth/token-store';
import { invalidOption } from '../errors';
import { IndexedDbBackend, MemoryBackend, WebStorageBackend, type EntryBackend } from './browser-backends';
import { browserGlobals, type BroadcastChannelLike } from './browser-globals';
import { EntryCodec, type StoreWarning } from './entry';
import { Sealer, hashKey, type EncryptionKey } from './sealed';

export interface BrowserTokenStoreOptions {
  /**
   * `'local'` (default): IndexedDB, shared by the origin's tabs, kept across
   * restarts, written transactionally before the lock is released;
   * `'session'`: this tab's sessionStorage; `'memory'`: this tab's memory.
   * Tabs on `'session'` or `'memory'` share new tokens by broadcast only.
   */
  storage?: 'local' | 'session' | 'memory';
  /** Names the database, the lock and the channel: one per app on an origin. Default `'axios-ws-auth'`. */
  name?: string;
  /** 32 bytes (or their base64/hex), or an AES-GCM CryptoKey: entries (and broadcasts) are encrypted. */
  encryptionKey?: EncryptionKey;
  /** Default `console.warn`. */
  onWarning?: StoreWarning;
}

interface Broadcast {
  v: 1;
  type: 'saved' | 'cleared';
  key: string;
  entry?: string;
  from: string;
  seq: number;
}

/** How long a save waits to see its own broadcast go round before the lock is let go. */
const ECHO_TIMEOUT_MS = 200;

/**
 * Tokens shared by the tabs of one origin: `withLock` through the Web Locks
 * API (a closed tab's lock is released by the browser), so tabs on one
 * identity make one token request per expiry, and a broadcast after each save
 * so the others adopt the new token at once. Without Web Locks, each tab keeps
 * its own single flight (and a warning says so).
 */
export class BrowserTokenStore implements TokenStore {
  private readonly backend: EntryBackend;
  private readonly codec: EntryCodec;
  private readonly channel: BroadcastChannelLike | undefined;
  /** A second end of the channel in this tab: hearing our own message means it has gone round. */
  private readonly echo: BroadcastChannelLike | undefined;
  private readonly lockName: string;
  /** The storage is this tab's own ('session', 'memory'): it mirrors what other tabs save. */
  private readonly perTab: boolean;
  private readonly warn: StoreWarning;
  /** The newest entry this tab has seen per hashed key, from its own saves and from broadcasts. */
  private readonly seen = new Map<string, TokenSet>();
  private readonly watchers = new Map<string, Set<(tokenSet: TokenSet | undefined) => void>>();
  private readonly echoes = new Map<number, () => void>();
  private readonly tabId = Math.random().toString(36).slice(2);
  private seq = 0;
  private warnedNoLocks = false;

  constructor(options: BrowserTokenStoreOptions = {}) {
    const storage = options.storage ?? 'local';
    if (storage !== 'local' && storage !== 'session' && storage !== 'memory') throw invalidOption('BrowserTokenStore', 'storage', "must be 'local', 'session' or 'memory'");
    const name = options.name ?? 'axios-ws-auth';
    if (typeof name !== 'string' || name === '') throw invalidOption('BrowserTokenStore', 'name', 'must be a non-empty string');
    this.warn = options.onWarning ?? ((message) => console.warn(`axios-ws-auth: ${message}`));
    this.codec = new EntryCodec(options.encryptionKey === undefined ? undefined : new Sealer(options.encryptionKey, 'BrowserTokenStore'), this.warn);
    this.backend = pickBackend(storage, name, this.warn);
    this.lockName = `${name}:token-lock`;
    this.perTab = this.backend.kind === 'sessionStorage' || this.backend.kind === 'memory';
    const globals = browserGlobals();
    if (globals.BroadcastChannel) {
      this.channel = new globals.BroadcastChannel(`${name}:tokens`);
      this.channel.addEventListener('message', (event) => void this.onBroadcast(event.data));
      if (this.backend.kind !== 'indexeddb') {
        this.echo = new globals.BroadcastChannel(`${name}:tokens`);
        this.echo.addEventListener('message', (event) => this.onEcho(event.data));
      }
    }
    for (const field of ['codec', 'seen', 'channel', 'echo'] as const) Object.defineProperty(this, field, { enumerable: false });
  }

  async load(key: string): Promise<TokenSet | undefined> {
    const hashed = hashKey(key);
    const text = await this.backend.get(hashed);
    const stored = text === undefined ? undefined : await this.codec.decode(text, hashed, 'BrowserTokenStore');
    return newest(stored, this.seen.get(hashed));
  }

  async save(key: string, tokenSet: TokenSet): Promise<void> {
    const hashed = hashKey(key);
    const entry = await this.codec.encode(tokenSet, hashed);
    this.seen.set(hashed, tokenSet);
    await this.backend.put(hashed, entry);
    await this.broadcast({ type: 'saved', key: hashed, entry });
  }

  async clear(key: string): Promise<void> {
    const hashed = hashKey(key);
    this.seen.delete(hashed);
    await this.backend.delete(hashed);
    await this.broadcast({ type: 'cleared', key: hashed });
  }

  /** Runs `fn` holding the origin-wide lock of this identity (Web Locks), or, without them, alone. */
  async withLock<T>(key: string, fn: (lock?: LockInfo) => Promise<T>): Promise<T> {
    const locks = browserGlobals().navigator?.locks;
    if (!locks) {
      if (!this.warnedNoLocks) this.warn('the Web Locks API is not available: tabs refresh on their own (one request per tab per expiry)');
      this.warnedNoLocks = true;
      return fn({ waitedMs: 0, held: false });
    }
    const startedAt = Date.now();
    return locks.request(`${this.lockName}:${hashKey(key)}`, { mode: 'exclusive' }, async () => {
      // Let a broadcast that raced the lock grant land first (tabs on 'session' or 'memory' have no other copy).
      if (this.echo) await new Promise((resolve) => setTimeout(resolve, 0));
      return fn({ waitedMs: Date.now() - startedAt, held: true });
    });
  }

  /** Calls `listener` with each token set another tab saves (or `undefined` when it clears). Returns the unsubscribe. */
  watch(key: string, listener: (tokenSet: TokenSet | undefined) => void): () => void {
    const hashed = hashKey(key);
    let set = this.watchers.get(hashed);
    if (!set) this.watchers.set(hashed, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Closes the channel and the database. */
  close(): void {
    this.channel?.close();
    this.echo?.close();
    this.backend.close();
    for (const settle of this.echoes.values()) settle();
  }

  toJSON(): Record<string, unknown> {
    return { store: 'browser', storage: this.backend.kind, lock: this.lockName, encrypted: this.codec.encrypted };
  }

  private async broadcast(message: Omit<Broadcast, 'v' | 'from' | 'seq'>): Promise<void> {
    if (!this.channel) return;
    const seq = ++this.seq;
    const full: Broadcast = { v: 1, from: this.tabId, seq, ...message };
    if (!this.echo) return this.channel.postMessage(full);
    // Broadcast-only storage: hold the caller (and so the lock) until the message has gone round.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ECHO_TIMEOUT_MS);
      const echoes = this.echoes;
      function done(): void {
        clearTimeout(timer);
        echoes.delete(seq);
        resolve();
      }
      echoes.set(seq, done);
      this.channel!.postMessage(full);
    });
  }

  private onEcho(data: unknown): void {
    const message = data as Partial<Broadcast> | null;
    if (message?.from === this.tabId && typeof message.seq === 'number') this.echoes.get(message.seq)?.();
  }

  private async onBroadcast(data: unknown): Promise<void> {
    const message = data as Partial<Broadcast> | null;
    if (message?.v !== 1 || typeof message.key !== 'string' || message.from === this.tabId) return;
    let tokenSet: TokenSet | undefined;
    if (message.type === 'saved' && typeof message.entry === 'string') {
      tokenSet = await this.codec.decode(message.entry, message.key, 'BrowserTokenStore broadcast');
      if (!tokenSet) return;
      const known = this.seen.get(message.key);
      if (known && known.receivedAt > tokenSet.receivedAt) return;
      this.seen.set(message.key, tokenSet);
      // A tab's own storage ('session', 'memory') mirrors what the others saved.
      if (this.perTab) await this.backend.put(message.key, message.entry);
    } else if (message.type === 'cleared') {
      this.seen.delete(message.key);
      if (this.perTab) await this.backend.delete(message.key);
    } else {
      return;
    }
    for (const listener of [...(this.watchers.get(message.key) ?? [])]) {
      try {
        listener(tokenSet);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}

function pickBackend(storage: 'local' | 'session' | 'memory', name: string, warn: StoreWarning): EntryBackend {
  const globals = browserGlobals();
  if (storage === 'local') {
    if (globals.indexedDB) return new IndexedDbBackend(globals.indexedDB, name);
    if (globals.localStorage) {
      warn('IndexedDB is not available: tokens go to localStorage, which another tab may not see at once');
      return new WebStorageBackend('localStorage', globals.localStorage, `${name}:`);
    }
  }
  if (storage === 'session' && globals.sessionStorage) return new WebStorageBackend('sessionStorage', globals.sessionStorage, `${name}:`);
  if (storage !== 'memory') warn(`${storage} storage is not available here: tokens stay in this tab's memory`);
  return new MemoryBackend();
}

function newest(a: TokenSet | undefined, b: TokenSet | undefined): TokenSet | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.receivedAt > a.receivedAt ? b : a;
}
