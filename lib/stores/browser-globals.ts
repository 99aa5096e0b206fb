/**
 * The few browser APIs the browser store uses, typed structurally so the
 * package builds without the DOM library (and runs its checks in Node too).
 */

export interface LockManagerLike {
  request<T>(name: string, options: { mode: 'exclusive' }, callback: () => Promise<T>): Promise<T>;
  query?(): Promise<{ held?: Array<{ name?: string }> }>;
}

export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface IdbRequestLike<T> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}

export interface IdbTransactionLike {
  objectStore(name: string): {
    get(key: string): IdbRequestLike<unknown>;
    put(value: unknown, key: string): IdbRequestLike<unknown>;
    delete(key: string): IdbRequestLike<unknown>;
  };
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  error: unknown;
}

export interface IdbDatabaseLike {
  transaction(store: string, mode: 'readonly' | 'readwrite'): IdbTransactionLike;
  createObjectStore(name: string): unknown;
  close(): void;
}

export interface IdbFactoryLike {
  open(name: string, version: number): IdbRequestLike<IdbDatabaseLike> & { onupgradeneeded: (() => void) | null; onblocked: (() => void) | null };
}

export interface BrowserGlobals {
  navigator?: { locks?: LockManagerLike };
  BroadcastChannel?: new (name: string) => BroadcastChannelLike;
  indexedDB?: IdbFactoryLike;
  localStorage?: StorageLike;
  sessionStorage?: StorageLike;
}

/** What this runtime offers (nothing of it in Node, save BroadcastChannel). */
export function browserGlobals(): BrowserGlobals {
  return globalThis as unknown as BrowserGlobals;
}
