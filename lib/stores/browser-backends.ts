import type { IdbDatabaseLike, IdbFactoryLike, IdbRequestLike, StorageLike } from './browser-globals';

/** Where a browser store keeps its text entries. */
export interface EntryBackend {
  readonly kind: 'indexeddb' | 'localStorage' | 'sessionStorage' | 'memory';
  get(key: string): Promise<string | undefined>;
  put(key: string, text: string): Promise<void>;
  delete(key: string): Promise<void>;
  close(): void;
}

const OBJECT_STORE = 'tokens';

/**
 * IndexedDB: shared by every tab of the origin and transactional, so a write
 * that completed before a Web Lock was released is seen by the next holder in
 * another tab (localStorage gives no such promise across Chromium's processes).
 */
export class IndexedDbBackend implements EntryBackend {
  readonly kind = 'indexeddb';
  private database: Promise<IdbDatabaseLike> | undefined;

  constructor(
    private readonly factory: IdbFactoryLike,
    private readonly name: string,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const value = await this.run('readonly', (store) => store.get(key));
    return typeof value === 'string' ? value : undefined;
  }

  async put(key: string, text: string): Promise<void> {
    await this.run('readwrite', (store) => store.put(text, key));
  }

  async delete(key: string): Promise<void> {
    await this.run('readwrite', (store) => store.delete(key));
  }

  close(): void {
    void this.database?.then((database) => database.close(), () => undefined);
    this.database = undefined;
  }

  /** One request in its own transaction, settled when the transaction completes (not merely the request). */
  private async run(mode: 'readonly' | 'readwrite', request: (store: ReturnType<ReturnType<IdbDatabaseLike['transaction']>['objectStore']>) => IdbRequestLike<unknown>): Promise<unknown> {
    const database = await this.open();
    return new Promise((resolve, reject) => {
      const transaction = database.transaction(OBJECT_STORE, mode);
      const pending = request(transaction.objectStore(OBJECT_STORE));
      transaction.oncomplete = () => resolve(pending.result);
      transaction.onerror = () => reject(transaction.error ?? pending.error);
      transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
    });
  }

  private open(): Promise<IdbDatabaseLike> {
    this.database ??= new Promise<IdbDatabaseLike>((resolve, reject) => {
      const opening = this.factory.open(this.name, 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(OBJECT_STORE);
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => reject(opening.error);
      opening.onblocked = () => reject(new Error('IndexedDB open blocked'));
    });
    this.database.catch(() => (this.database = undefined)); // try again next time
    return this.database;
  }
}

/** localStorage or sessionStorage, under `prefix`. */
export class WebStorageBackend implements EntryBackend {
  constructor(
    readonly kind: 'localStorage' | 'sessionStorage',
    private readonly storage: StorageLike,
    private readonly prefix: string,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return this.storage.getItem(this.prefix + key) ?? undefined;
  }

  async put(key: string, text: string): Promise<void> {
    this.storage.setItem(this.prefix + key, text);
  }

  async delete(key: string): Promise<void> {
    this.storage.removeItem(this.prefix + key);
  }

  close(): void {}
}

/** The tab's memory: gone with the tab; shared with other tabs only by broadcast. */
export class MemoryBackend implements EntryBackend {
  readonly kind = 'memory';
  private readonly entries = new Map<string, string>();

  async get(key: string): Promise<string | undefined> {
    return this.entries.get(key);
  }

  async put(key: string, text: string): Promise<void> {
    this.entries.set(key, text);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  close(): void {}
}
