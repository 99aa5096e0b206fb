import { AuthError, ChannelClosedError, QueueFullError } from '../errors';

/** One message waiting for a socket, with the promise of its `send()`. */
export interface QueuedSend<T> {
  readonly data: T;
  /** Insertion order; a message handed back after a failed write goes back to its place. */
  readonly seq: number;
  readonly expiresAt: number;
  resolve(): void;
  reject(error: Error): void;
}

export interface SendQueueOptions {
  /** Most messages waiting at once. */
  limit: number;
  /** How long a message may wait before its `send()` rejects with `SEND_TIMEOUT`. */
  ttlMs: number;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * A bounded FIFO of sends waiting for the connection. Every entry ends in
 * exactly one of: handed to a socket, rejected with `QueueFullError` (never
 * queued), rejected with `SEND_TIMEOUT` when stale, or rejected with
 * `ChannelClosedError` when the channel ends. Nothing is dropped silently.
 */
export class SendQueue<T> {
  private entries: Array<QueuedSend<T>> = [];
  private nextSeq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: SendQueueOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Queues `data`; the promise settles when the entry is handed over, expires or is rejected. */
  push(data: T): Promise<void> {
    if (this.entries.length >= this.options.limit) return Promise.reject(new QueueFullError(this.options.limit));
    return new Promise<void>((resolve, reject) => {
      this.entries.push(this.direct(data, resolve, reject));
      this.arm();
    });
  }

  /**
   * An entry for `data` that bypasses the queue (the socket is open and
   * nothing waits): no timer is armed. If its write fails it can still be
   * `requeue`d, in its place by sequence.
   */
  direct(data: T, resolve: () => void, reject: (error: Error) => void): QueuedSend<T> {
    return { data, seq: this.nextSeq++, expiresAt: this.now() + this.options.ttlMs, resolve, reject };
  }

  /** Takes every entry, oldest first, for the caller to hand to a socket. */
  drain(): Array<QueuedSend<T>> {
    const taken = this.entries;
    this.entries = [];
    this.disarm();
    return taken;
  }

  /**
   * Puts back an entry whose write failed (the socket died under it), in its
   * original place. Puts back even past the limit: it was accepted once.
   */
  requeue(entry: QueuedSend<T>): void {
    if (this.now() >= entry.expiresAt) {
      entry.reject(sendTimeout(this.options.ttlMs));
      return;
    }
    let index = this.entries.length;
    while (index > 0 && this.entries[index - 1]!.seq > entry.seq) index--;
    this.entries.splice(index, 0, entry);
    this.arm();
  }

  /** Rejects every waiting entry with `error` (the channel ended). */
  rejectAll(error: ChannelClosedError): void {
    for (const entry of this.drain()) entry.reject(error);
  }

  /** One timer for the oldest entry: with a single TTL, sequence order is expiry order (requeues go back in their place). */
  private arm(): void {
    if (this.timer || this.entries.length === 0) return;
    const head = this.entries[0]!.expiresAt;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.expire();
    }, Math.max(0, head - this.now()));
    (this.timer as { unref?: () => void }).unref?.(); // Node only: a browser timer is a number
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private expire(): void {
    const now = this.now();
    // The stale ones are a prefix: taken off at once, not by scanning a queue that may hold a million.
    let count = 0;
    while (count < this.entries.length && now >= this.entries[count]!.expiresAt) count++;
    const stale = this.entries.splice(0, count);
    for (const entry of stale) entry.reject(sendTimeout(this.options.ttlMs));
    this.arm();
  }
}

function sendTimeout(ttlMs: number): AuthError {
  return new AuthError(`message not sent: no open connection within ${ttlMs} ms`, { code: 'SEND_TIMEOUT', retryable: true });
}
