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
  private timer: NodeJS.Timeout | undefined;
  private recheck: NodeJS.Immediate | undefined;
  private lastHeardAt = 0;
  private readonly heard = () => {
    this.lastHeardAt = this.now();
  };

  constructor(
    private readonly socket: PingableSocket,
    private readonly intervalMs: number,
    private readonly onTimeout: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.lastHeardAt = this.now();
    this.socket.on('pong', this.heard);
    this.socket.on('message', this.heard);
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.recheck) clearImmediate(this.recheck);
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
    // Look again once pending I/O has been processed before condemning the peer.
    this.recheck ??= setImmediate(() => {
      this.recheck = undefined;
      if (!this.timer) return;
      if (this.overdue()) {
        this.stop();
        this.onTimeout();
        this.socket.terminate();
      } else {
        this.socket.ping();
      }
    });
  }

  private overdue(): boolean {
    return this.now() - this.lastHeardAt > 2 * this.intervalMs;
  }
}
