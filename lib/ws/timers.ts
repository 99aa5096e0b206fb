/** A timer handle as either runtime returns it (a Node `Timeout`, a browser number). */
export type TimerHandle = ReturnType<typeof setTimeout>;

/**
 * The timer functions a channel uses, injectable (like the clock and the
 * random source) so tests drive reconnects, heartbeats and timeouts with fake
 * timers instead of real sleeps.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
}

/** The runtime's own timers, looked up at each call (so jest's fake timers, installed later, are seen too). */
export const systemTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle),
  setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
  clearInterval: (handle) => globalThis.clearInterval(handle),
};

/** Lets the process exit while only this timer is left (Node); a browser timer has nothing to unref. */
export function unref(handle: TimerHandle): TimerHandle {
  (handle as { unref?: () => void }).unref?.();
  return handle;
}
