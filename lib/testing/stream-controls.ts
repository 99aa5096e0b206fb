import type { WebSocket } from 'ws';

/** One accepted stream connection, as the gateway saw it. */
export interface StreamConnection {
  id: number;
  sessionId: string;
  /** The token (or API key) the connection currently runs on (changes on a `{type:'auth'}` renewal). */
  token: string;
  transport: 'header' | 'query' | 'subprotocol';
  /** JSON messages received, in order (renewals excluded). */
  messages: unknown[];
  renewals: number;
  /** The server side of the socket (send to the client, close it…). */
  socket: WebSocket;
  /** Does not answer pings (after `silence()`). */
  silent: boolean;
  /** Set when it closed. */
  closeCode: number | undefined;
}

/**
 * What a test sees of the stream side and the faults it can inject: every
 * upgrade's status, every connection and message, refused upgrades, a server
 * that closes each new connection, one that stops answering pings.
 */
export class StreamControls {
  /** Every upgrade request: the HTTP status answered (101 when accepted). */
  readonly upgrades: number[] = [];
  readonly connections: StreamConnection[] = [];
  /** All data messages in arrival order, over all connections. */
  readonly received: unknown[] = [];
  private refusal: { status: number; remaining: number } | undefined;
  /** Close each new connection with this code right after accepting it. */
  closeOnAccept: number | undefined;
  private stalledUntil = 0;
  private stallTimer: NodeJS.Timeout | undefined;
  private readonly heldReplies: Array<() => void> = [];
  private connectionCount = 0;

  constructor(
    readonly echo: boolean,
    /** Keep every message in `received` and on its connection (a test's view); off for long load runs, whose memory it would grow. */
    readonly recordMessages: boolean,
  ) {}

  /** @internal An upgrade's status, kept when recording. */
  noteUpgrade(status: number): void {
    if (this.recordMessages) this.upgrades.push(status);
  }

  /** @internal The id of the next connection (ids stay unique when closed connections are forgotten). */
  nextConnectionId(): number {
    return this.connectionCount++;
  }

  /** @internal A closed connection: kept for the test to read when recording, else dropped (a load run opens thousands). */
  forget(connection: StreamConnection): void {
    if (this.recordMessages) return;
    const index = this.connections.indexOf(connection);
    if (index >= 0) this.connections.splice(index, 1);
  }

  /** @internal Keeps a received message, when recording. */
  keep(connection: StreamConnection, message: unknown): void {
    if (!this.recordMessages) return;
    connection.messages.push(message);
    this.received.push(message);
  }

  /** Connections not yet closed. */
  openConnections(): StreamConnection[] {
    return this.connections.filter((connection) => connection.closeCode === undefined && connection.socket.readyState === connection.socket.OPEN);
  }

  /** Closes every open connection with `code` (a close frame; see the gateway's `dropConnections` to cut them). */
  closeAll(code: number, reason = ''): void {
    for (const connection of this.openConnections()) connection.socket.close(code, reason);
  }

  /** Answers the next `count` upgrades with `status` instead of switching protocols. */
  refuseUpgrades(status: number, count = Infinity): void {
    this.refusal = { status, remaining: count };
  }

  /** Accepts each upgrade, then closes the connection at once with `code` (undefined: stop doing so). */
  closeNewConnections(code: number | undefined): void {
    this.closeOnAccept = code;
  }

  /** The open connections stop answering pings (and stay open). */
  silence(): void {
    for (const connection of this.openConnections()) connection.silent = true;
  }

  /** Sends `message` as JSON to every open connection. */
  broadcast(message: unknown): void {
    for (const connection of this.openConnections()) connection.socket.send(JSON.stringify(message));
  }

  /** For `ms`, every stream reply is held (in order), then sent at once: a gateway that stalls. */
  stall(ms: number): void {
    this.stalledUntil = Date.now() + ms;
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => this.release(), ms);
    this.stallTimer.unref();
  }

  /** @internal Holds `send` while stalled; false when it may go now. */
  hold(send: () => void): boolean {
    if (this.stalledUntil === 0 || Date.now() >= this.stalledUntil) return false; // every reply asks: no clock read unless stalled
    this.heldReplies.push(send);
    return true;
  }

  /** @internal Sends what a stall held, and stops holding. */
  release(): void {
    this.stalledUntil = 0;
    clearTimeout(this.stallTimer);
    for (const send of this.heldReplies.splice(0)) send();
  }

  /** @internal The status a refused upgrade gets, if one is due. */
  takeRefusal(): number | undefined {
    if (!this.refusal || this.refusal.remaining <= 0) return undefined;
    this.refusal.remaining--;
    return this.refusal.status;
  }
}
