import { systemTimers, unref, type TimerHandle, type Timers } from './timers';

/** The part of a ws socket the heartbeat needs. */
export interface PingableSocket {
  ping(): void;
  terminate(): void;
  on(event: 'pong' | 'message', listener: () => void): unknown;
  off(event: 'pong' | 'message', listener: () => void): unknown;
}

/**
 * Pings every `intervalMs` and terminates the socket when nothing (pong or
 * message) was heard for two intervals. The deadline is checked on the wall
 * clock, not by counting ticks: a timer that fires late (busy loop, suspended
 * laptop) still sees how long the peer has really been silent.
 */
export class Heartbeat {
  private timer: TimerHandle | undefined;
  private recheck: TimerHandle | undefined;
  private lastHeardAt = 0;
  private readonly heard = () => {
    this.lastHeardAt = this.now();
  };

  constructor(
    private readonly socket: PingableSocket,
    private readonly intervalMs: number,
    private readonly onTimeout: () => void,
    private readonly now: () => number = Date.now,
    private readonly timers: Timers = systemTimers,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.lastHeardAt = this.now();
    this.socket.on('pong', this.heard);
    this.socket.on('message', this.heard);
    this.timer = unref(this.timers.setInterval(() => this.tick(), this.intervalMs));
  }

  stop(): void {
    this.timers.clearInterval(this.timer);
    this.timers.clearTimeout(this.recheck);
    this.timer = undefined;
    this.recheck = undefined;
    this.socket.off('pong', this.heard);
    this.socket.off('message', this.heard);
  }

  private tick(): void {
    if (!this.overdue()) {
      this.socket.ping();
      return;
    }
    // Timers run before I/O in the loop: after a stall a pong may sit unread.
    // Look again on the next turn, once pending I/O has been processed, before condemning the peer.
    this.recheck ??= this.timers.setTimeout(() => {
      this.recheck = undefined;
      if (!this.timer) return;
      if (this.overdue()) {
        this.stop();
        this.onTimeout();
        this.socket.terminate();
      } else {
        this.socket.ping();
      }
    }, 0);
  }

  private overdue(): boolean {
    return this.now() - this.lastHeardAt > 2 * this.intervalMs;
  }
}
