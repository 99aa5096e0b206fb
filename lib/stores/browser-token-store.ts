import type { TokenSet } from '../auth/token-set';
import type { LockInfo, TokenStore } from '../auth/token-store';
import { invalidOption } from '../errors';
import { IndexedDbBackend, MemoryBackend, WebStorageBackend, type EntryBackend } from './browser-backends';
import { browserGlobals } from './browser-globals';
import { EntryCodec, type StoreWarning } from './entry';
import { Sealer, hashKey, type EncryptionKey } from './sealed';
import { TabBroadcast, type TabMessage } from './tab-broadcast';
import { INSPECT, printed } from '../auth/printable';

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
  private readonly tabs: TabBroadcast | undefined;
  private readonly lockName: string;
  /** The storage is this tab's own ('session', 'memory'): it mirrors what other tabs save. */
  private readonly perTab: boolean;
  private readonly warn: StoreWarning;
  /** The newest entry this tab has seen per hashed key, from its own saves and from broadcasts. */
  private readonly seen = new Map<string, TokenSet>();
  private readonly watchers = new Map<string, Set<(tokenSet: TokenSet | undefined) => void>>();
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
    if (globals.BroadcastChannel) this.tabs = new TabBroadcast(globals.BroadcastChannel, name, (message) => this.onBroadcast(message), globals.navigator?.locks);
    for (const field of ['codec', 'seen', 'tabs'] as const) Object.defineProperty(this, field, { enumerable: false });
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
    // Tabs on their own storage have no other copy: the lock waits until they all hold it.
    await this.tabs?.send({ type: 'saved', key: hashed, entry }, this.perTab);
  }

  async clear(key: string): Promise<void> {
    const hashed = hashKey(key);
    this.seen.delete(hashed);
    await this.backend.delete(hashed);
    await this.tabs?.send({ type: 'cleared', key: hashed }, this.perTab);
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
    return locks.request(`${this.lockName}:${hashKey(key)}`, { mode: 'exclusive' }, () => fn({ waitedMs: Date.now() - startedAt, held: true }));
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
    this.tabs?.close();
    this.backend.close();
  }

  [INSPECT](): string {
    return printed('BrowserTokenStore', this.toJSON());
  }

  toJSON(): Record<string, unknown> {
    return { store: 'browser', storage: this.backend.kind, lock: this.lockName, encrypted: this.codec.encrypted };
  }

  private async onBroadcast(message: TabMessage): Promise<void> {
    let tokenSet: TokenSet | undefined;
    if (message.type === 'saved') {
      if (message.entry === undefined) return;
      tokenSet = await this.codec.decode(message.entry, message.key, 'BrowserTokenStore broadcast');
      if (!tokenSet) return;
      const known = this.seen.get(message.key);
      if (known && known.receivedAt > tokenSet.receivedAt) return;
      this.seen.set(message.key, tokenSet);
      // A tab's own storage ('session', 'memory') mirrors what the others saved.
      if (this.perTab) await this.backend.put(message.key, message.entry);
    } else {
      this.seen.delete(message.key);
      if (this.perTab) await this.backend.delete(message.key);
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
