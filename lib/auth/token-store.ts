import type { TokenSet } from './token-set';
import { INSPECT, printed } from './printable';

/**
 * Where token sets live between calls and between runs. Keys name an identity
 * (token URL + client + user), so identities never mix in one store.
 */
export interface TokenStore {
  load(key: string): Promise<TokenSet | undefined>;
  save(key: string, tokenSet: TokenSet): Promise<void>;
  clear(key: string): Promise<void>;
  /**
   * Optional cross-process lock. When present, token requests run inside it
   * and re-read the store first, so processes sharing one identity refresh
   * once per expiry.
   */
  withLock?<T>(key: string, fn: (lock?: LockInfo) => Promise<T>): Promise<T>;
  /**
   * Optional: calls `listener` with each token set another runtime saves under
   * `key` (or `undefined` when it clears it), so the manager adopts it at once
   * (a browser store's broadcast). Returns the unsubscribe function.
   */
  watch?(key: string, listener: (tokenSet: TokenSet | undefined) => void): () => void;
  /** Optional: where the store's own warnings (a corrupt file…) go; the manager hands over its `logger`. */
  useLogger?(logger: { warn(message: string): void }): void;
  /** Optional: frees connections. A manager calls it only for a store it made itself (from a config's `token_cache`). */
  close?(): void | Promise<void>;
}

/** What a store tells the function it runs under its lock. */
export interface LockInfo {
  /** How long the lock took to get, ms (0 when it was free). */
  waitedMs: number;
  /** `false` when the store went on without the lock (a holder made no progress for a whole lock TTL). */
  held: boolean;
}

/** The default store: tokens live as long as the process. */
export class MemoryTokenStore implements TokenStore {
  private readonly entries = new Map<string, TokenSet>();

  constructor() {
    Object.defineProperty(this, 'entries', { enumerable: false });
  }

  toJSON(): Record<string, unknown> {
    return { store: 'memory', entries: this.entries.size };
  }

  [INSPECT](): string {
    return printed('MemoryTokenStore', this.toJSON());
  }

  async load(key: string): Promise<TokenSet | undefined> {
    const entry = this.entries.get(key);
    return entry && { ...entry };
  }

  async save(key: string, tokenSet: TokenSet): Promise<void> {
    this.entries.set(key, { ...tokenSet });
  }

  async clear(key: string): Promise<void> {
    this.entries.delete(key);
  }
}
