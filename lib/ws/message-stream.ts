import { AuthError } from '../errors';

type Waiter<T> = { resolve(result: IteratorResult<T>): void; reject(error: Error): void };

/**
 * One consumer's view of incoming messages for `for await`. The buffer is
 * bounded in messages and in bytes: a consumer that falls `limit` messages
 * (or `maxBytes` bytes) behind gets `RECEIVE_BUFFER_FULL` after the buffered
 * messages, rather than unbounded memory or a silent gap.
 */
export class MessageStream<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  /** The size of each buffered message, measured once, on the way in. */
  private readonly sizes: number[] = [];
  private readonly waiters: Array<Waiter<T>> = [];
  private ended = false;
  private failure: Error | undefined;
  private bufferedBytes = 0;

  constructor(
    private readonly limit: number,
    private readonly onDone: (stream: MessageStream<T>) => void,
    private readonly maxBytes = Infinity,
    private readonly sizeOf: (message: T) => number = () => 0,
  ) {}

  /** Delivers a message to the consumer. */
  push(message: T): void {
    if (this.ended) return;
    const waiter = this.waiters.shift();
    if (waiter) return waiter.resolve({ value: message, done: false });
    const size = this.sizeOf(message);
    if (this.buffer.length >= this.limit || this.bufferedBytes + size > this.maxBytes) {
      const behind = this.buffer.length >= this.limit ? `${this.limit} messages` : `${this.maxBytes} bytes`;
      this.end(new AuthError(`message iterator fell ${behind} behind; stopped to avoid a silent gap`, { code: 'RECEIVE_BUFFER_FULL' }));
      return;
    }
    this.bufferedBytes += size;
    this.buffer.push(message);
    this.sizes.push(size);
  }

  /** Ends the iteration once the buffer is consumed; with `error`, the last `next()` rejects with it. */
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.onDone(this);
    for (const waiter of this.waiters.splice(0)) {
      if (error) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift()!;
      this.bufferedBytes -= this.sizes.shift()!;
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) {
      const error = this.failure;
      this.failure = undefined; // report once, then behave like a finished iterator
      return error ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** `break` in a `for await` loop lands here: stop buffering for this consumer. */
  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    this.sizes.length = 0;
    this.bufferedBytes = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Every live iterator of a channel: each incoming message goes to all; the channel's end ends them all. */
export class Inbox<T> {
  private readonly streams = new Set<MessageStream<T>>();
  private ended: { error: Error | undefined } | undefined;

  constructor(
    private readonly limit: number,
    private readonly maxBytes: number,
    private readonly sizeOf: (message: T) => number,
  ) {}

  /** A new iterator; after the end, one that ends at once (with the end's error). */
  iterator(): MessageStream<T> {
    const stream = new MessageStream<T>(this.limit, (done) => this.streams.delete(done), this.maxBytes, this.sizeOf);
    if (this.ended) stream.end(this.ended.error);
    else this.streams.add(stream);
    return stream;
  }

  push(message: T): void {
    for (const stream of this.streams) stream.push(message);
  }

  end(error: Error | undefined): void {
    this.ended = { error };
    for (const stream of [...this.streams]) stream.end(error);
  }
}

const utf8 = new TextEncoder();

/** A received message's size for the byte bound: a string's UTF-8 length (counted without a copy in Node), a buffer's bytes. */
export function messageBytes(message: string | Uint8Array): number {
  if (typeof message !== 'string') return message.byteLength;
  return typeof Buffer === 'undefined' ? utf8.encode(message).byteLength : Buffer.byteLength(message);
}
