import { ChannelClosedError } from '../errors';
import type { TimerHandle, Timers } from './timers';

/**
 * The first `connect()`: the promise its callers await, and the deadline
 * (`connectTimeoutMs`) after which a channel that never opened ends with
 * `CONNECT_TIMEOUT`, naming the last attempt's cause.
 */
export class FirstConnect {
  private deferred: { promise: Promise<void>; resolve(): void; reject(error: Error): void } | undefined;
  private timer: TimerHandle | undefined;
  private opened = false;
  /** Why the last attempt failed, for the timeout's message. */
  lastCause: string | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly timers: Timers,
  ) {}

  /** Someone awaits the first open: the process must not exit under them. */
  get awaited(): boolean {
    return this.deferred !== undefined && !this.opened;
  }

  /** The promise of the first open (the same one for every caller). */
  promise(): Promise<void> {
    if (!this.deferred) {
      let settle!: { resolve(): void; reject(error: Error): void };
      const promise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      this.deferred = { promise, ...settle };
    }
    return this.deferred.promise;
  }

  /** Starts the deadline; `onTimeout` ends the channel with the error. */
  start(onTimeout: (error: ChannelClosedError) => void): void {
    if (!Number.isFinite(this.timeoutMs)) return;
    this.timer = this.timers.setTimeout(() => {
      const last = this.lastCause ?? 'the first attempt had not completed';
      onTimeout(new ChannelClosedError(`no connection within ${this.timeoutMs} ms (last: ${last})`, { code: 'CONNECT_TIMEOUT', retryable: true }));
    }, this.timeoutMs);
  }

  /** A connection opened. */
  open(): void {
    this.stop();
    this.opened = true;
    this.deferred?.resolve();
  }

  /** The channel ended: a first open that never came rejects with `error`. */
  fail(error: Error): void {
    this.stop();
    this.deferred?.reject(error);
    this.deferred?.promise.catch(() => undefined); // nobody may be waiting any more
  }

  stop(): void {
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
