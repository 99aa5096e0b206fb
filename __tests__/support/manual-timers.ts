import type { Timers, TimerHandle } from '../../lib/ws/timers';

/**
 * Timers that only move when the test says so (`advance`), for the channel's
 * own timers (reconnect, stability, heartbeat, timeouts) while its sockets
 * stay real. Handles are plain objects, so nothing here holds the process open.
 */
export class ManualTimers implements Timers {
  private clock = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void; every?: number }>();

  /** Milliseconds advanced so far. */
  get now(): number {
    return this.clock;
  }

  /** How many timers are waiting. */
  get size(): number {
    return this.pending.size;
  }

  setTimeout = (fn: () => void, ms: number): TimerHandle => this.add(fn, ms);
  setInterval = (fn: () => void, ms: number): TimerHandle => this.add(fn, ms, Math.max(1, ms));
  clearTimeout = (handle: TimerHandle | undefined): void => void this.pending.delete(idOf(handle));
  clearInterval = (handle: TimerHandle | undefined): void => void this.pending.delete(idOf(handle));

  /** Moves the clock by `ms`, running every timer that falls due, in order (at most 10 000 runs). */
  advance(ms: number): void {
    const until = this.clock + ms;
    for (let runs = 0; runs < 10_000; runs++) {
      const next = [...this.pending.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > until) break;
      const [id, timer] = next;
      this.clock = timer.at;
      if (timer.every) timer.at += timer.every;
      else this.pending.delete(id);
      timer.fn();
    }
    this.clock = until;
  }

  private add(fn: () => void, ms: number, every?: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { at: this.clock + Math.max(0, ms), fn, ...(every && { every }) });
    return { id } as unknown as TimerHandle;
  }
}

function idOf(handle: TimerHandle | undefined): number {
  return (handle as unknown as { id?: number } | undefined)?.id ?? -1;
}
