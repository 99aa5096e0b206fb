import { fullJitterDelay, type ReconnectOptions } from './backoff';
import { unref, type TimerHandle, type Timers } from './timers';

/** Marks one pending step of a reconnect; `cancel()` makes every earlier ticket stale. */
export interface Ticket {
  readonly live: boolean;
}

/**
 * Attempts in a row, their backoff delays, and the one retry timer. The
 * attempt counter resets only when a connection stays up `stableAfterMs`
 * (the channel says so with `stable()`); `maxAttempts` bounds a run of failures.
 */
export class ReconnectScheduler {
  private attempts = 0;
  private timer: TimerHandle | undefined;
  private pending: (() => void) | undefined;
  private epoch = 0;

  constructor(
    private readonly options: ReconnectOptions,
    private readonly random: () => number,
    private readonly timers: Timers,
  ) {}

  /** 1 for the first retry after a stable connection (or the first connect). */
  get attempt(): number {
    return this.attempts;
  }

  /** Counts one more attempt; false once `maxAttempts` is spent. */
  count(): boolean {
    this.attempts++;
    return this.attempts <= this.options.maxAttempts;
  }

  /** The current attempt's full-jitter delay, at least `minDelayMs`. */
  delay(minDelayMs = 0): number {
    return Math.max(minDelayMs, fullJitterDelay(this.attempts - 1, this.options, this.random));
  }

  /** A connection stayed up long enough: the next drop starts over. */
  stable(): void {
    this.attempts = 0;
  }

  /** Runs `fn` after `delayMs` (at once for 0); `keepAlive` keeps the process up meanwhile. */
  schedule(delayMs: number, fn: () => void, keepAlive: boolean): void {
    this.clearTimer();
    if (delayMs <= 0) return fn();
    this.pending = fn;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.pending = undefined;
      fn();
    }, delayMs);
    if (!keepAlive) unref(this.timer);
  }

  /** Runs a scheduled retry now (a new token ended the wait); false if none was pending. */
  hurry(): boolean {
    const fn = this.pending;
    if (!fn) return false;
    this.clearTimer();
    fn();
    return true;
  }

  /** A ticket for an asynchronous step (a refresh, a token fetch); stale after `cancel()`. */
  ticket(): Ticket {
    const epoch = this.epoch;
    const isLive = () => this.epoch === epoch;
    return {
      get live() {
        return isLive();
      },
    };
  }

  /** Drops the pending retry and makes every ticket stale. */
  cancel(): void {
    this.clearTimer();
    this.epoch++;
  }

  private clearTimer(): void {
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
