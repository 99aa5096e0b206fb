import type WebSocket from 'ws';
import { dial, release } from './dial';
import { decode, type Frame } from './frames';
import { Heartbeat } from './heartbeat';
import type { IncomingMessage, ResolvedChannelOptions } from './options';
import { unref, type TimerHandle } from './timers';
import type { UpgradeCredentials } from './token-transport';

/** How a connection ended, as the channel's close policy needs it. */
export interface Drop {
  code: number;
  reason: string;
  /** Set when the upgrade was answered without 101. */
  httpStatus: number | undefined;
  /** The socket's own error (refused, TLS…), when it had one. */
  error: Error | undefined;
  /** The upgrade completed (the server accepted the token on it). */
  wasOpen: boolean;
  /** It stayed up `stableAfterMs`. */
  wasStable: boolean;
  heartbeatTimedOut: boolean;
}

/** What a connection tells its channel. */
export interface ConnectionHandlers {
  open(): void;
  message(message: IncomingMessage): void;
  /** It stayed up `stableAfterMs`. */
  stable(): void;
  /** Once, however it ended (unless disposed first). */
  drop(drop: Drop): void;
}

/**
 * One socket of a channel: its dial with one attempt's credentials, its
 * heartbeat, its stability timer and its writes. After `dispose()` nothing it
 * hears reaches the channel: disposing of it is how a channel ignores an old
 * socket's late events.
 */
export class Connection {
  private readonly socket: WebSocket;
  private heartbeat: Heartbeat | undefined;
  private stableTimer: TimerHandle | undefined;
  private opened = false;
  private stableNow = false;
  private heartbeatTimedOut = false;
  private disposed = false;

  /** Dials at once; throws synchronously when ws refuses the options (no retry can help). */
  constructor(
    private readonly options: ResolvedChannelOptions,
    credentials: UpgradeCredentials,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.socket = dial(options, credentials, {
      open: () => this.onOpen(),
      message: (data, isBinary) => !this.disposed && handlers.message(decode(data, isBinary)),
      close: (code, reason, httpStatus, error) => this.onClose({ code, reason, httpStatus, error }),
    });
  }

  /** Open and still ours: a frame handed over now goes out on this socket. */
  get writable(): boolean {
    return !this.disposed && this.opened && this.socket.readyState === this.socket.OPEN;
  }

  /** Hands a frame to the socket; `done` hears its outcome (an error when the socket died under it). */
  send(frame: Frame, done: (error?: Error) => void): void {
    this.socket.send(frame, done);
  }

  /** Stops the heartbeat and the stability timer and detaches the socket, which is returned for closing. */
  dispose(): WebSocket {
    if (!this.disposed) {
      this.disposed = true;
      this.heartbeat?.stop();
      this.options.timers.clearTimeout(this.stableTimer);
      release(this.socket);
    }
    return this.socket;
  }

  private onOpen(): void {
    if (this.disposed) return;
    this.opened = true;
    const { heartbeatMs, now, timers, reconnect } = this.options;
    this.heartbeat = new Heartbeat(this.socket, heartbeatMs, () => (this.heartbeatTimedOut = true), now, timers);
    this.heartbeat.start();
    this.stableTimer = unref(
      timers.setTimeout(() => {
        this.stableNow = true;
        this.handlers.stable();
      }, reconnect.stableAfterMs),
    );
    this.handlers.open();
  }

  private onClose(end: Pick<Drop, 'code' | 'reason' | 'httpStatus' | 'error'>): void {
    if (this.disposed) return;
    const drop: Drop = { ...end, wasOpen: this.opened, wasStable: this.stableNow, heartbeatTimedOut: this.heartbeatTimedOut };
    this.dispose();
    this.handlers.drop(drop);
  }
}
