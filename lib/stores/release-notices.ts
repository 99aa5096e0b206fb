import type { Redis } from 'ioredis';

/** How long the subscriber connection stays open with nobody waiting. */
const IDLE_CLOSE_MS = 2_000;

/**
 * Wakes lock waiters when a holder releases: one pub/sub connection per store,
 * opened on the first wait and closed when nobody has waited for a while (so
 * an idle process is not kept alive by it). A notice that never comes costs
 * only the poll delay: waiters always wake after `timeoutMs`.
 */
export class ReleaseNotices {
  private subscriber: Redis | undefined;
  private readonly waiters = new Map<string, Set<() => void>>();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly client: Redis,
    readonly channel: string,
  ) {}

  /** Resolves on the next release notice for `lockKey`, or after `timeoutMs`. */
  next(lockKey: string, timeoutMs: number): Promise<void> {
    this.subscribe();
    return new Promise<void>((resolve) => {
      let set = this.waiters.get(lockKey);
      if (!set) this.waiters.set(lockKey, (set = new Set()));
      const wake = () => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) this.waiters.delete(lockKey);
        if (this.waiters.size === 0) this.scheduleIdleClose();
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      set.add(wake);
    });
  }

  /** Wakes every waiter and closes the subscriber connection. */
  async close(): Promise<void> {
    for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake();
    this.closeSubscriber();
  }

  private subscribe(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.subscriber) return;
    const subscriber = this.client.duplicate();
    // Redis down: the waiters poll; an unhandled 'error' event would crash the process.
    subscriber.on('error', () => undefined);
    subscriber.on('message', (_channel: string, lockKey: string) => {
      for (const wake of [...(this.waiters.get(lockKey) ?? [])]) wake();
    });
    subscriber.subscribe(this.channel).catch(() => undefined);
    this.subscriber = subscriber;
  }

  private scheduleIdleClose(): void {
    if (this.idleTimer || !this.subscriber) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.waiters.size === 0) this.closeSubscriber();
    }, IDLE_CLOSE_MS);
    this.idleTimer.unref?.();
  }

  private closeSubscriber(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }
}
