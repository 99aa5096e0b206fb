import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { TokenAuthority } from '../../lib/testing/token-authority';
import { closeServer } from './token-server';

/** One accepted WebSocket connection, as the gateway saw it. */
export interface GatewayConnection {
  id: number;
  /** The token the connection currently runs on (changes on `{type:'auth'}`). */
  token: string;
  transport: 'header' | 'query' | 'subprotocol';
  /** JSON messages received, in order (renewals excluded). */
  messages: unknown[];
  renewals: number;
  socket: WebSocket;
  /** Does not answer pings (set by `silence()`). */
  silent: boolean;
  closeCode: number | undefined;
}

export interface WsGatewayOptions {
  authority: TokenAuthority;
  /** How often tokens of open connections are checked for expiry. Default 20 ms. */
  sweepMs?: number;
  /** Echo each data message back as `{type:'echo', data}`. Default true. */
  echo?: boolean;
}

/**
 * A gateway stream endpoint on 127.0.0.1 (port 0): checks the Bearer token on
 * the upgrade (401 when bad), closes a connection with 4401 when its token
 * expires, renews a connection's token on `{type:'auth', token}`, and takes
 * faults on command.
 */
export class WsGateway {
  readonly connections: GatewayConnection[] = [];
  /** Every upgrade request: the HTTP status answered (101 when accepted). */
  readonly upgrades: number[] = [];
  private readonly server = http.createServer((_request, response) => response.writeHead(404).end());
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false, handleProtocols: (offered) => offered.values().next().value ?? false });
  private sweeper: NodeJS.Timeout | undefined;
  private refusal: { status: number; remaining: number } | undefined;
  private closeOnAccept: number | undefined;
  private port = 0;

  constructor(private readonly options: WsGatewayOptions) {
    this.server.on('upgrade', (request, socket, head) => this.onUpgrade(request, socket, head));
  }

  /** Stream URL, e.g. `ws://127.0.0.1:PORT/stream`. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}/stream`;
  }

  /** Connections not yet closed. */
  openConnections(): GatewayConnection[] {
    return this.connections.filter((connection) => connection.closeCode === undefined && connection.socket.readyState === WebSocket.OPEN);
  }

  /** All data messages in arrival order, over all connections. */
  readonly received: unknown[] = [];

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    this.sweeper = setInterval(() => this.sweep(), this.options.sweepMs ?? 20);
    this.sweeper.unref();
    return this;
  }

  /** Closes every open connection with `code`. */
  closeAll(code: number, reason = ''): void {
    for (const connection of this.openConnections()) connection.socket.close(code, reason);
  }

  /** Answers the next `count` upgrades with `status` instead of switching protocols. */
  refuseUpgrades(status: number, count = Infinity): void {
    this.refusal = { status, remaining: count };
  }

  /** Accepts the upgrade, then closes every new connection at once with `code` (undefined: stop doing so). */
  closeNewConnections(code: number | undefined): void {
    this.closeOnAccept = code;
  }

  /** The currently open connections stop answering pings (and stay open). */
  silence(): void {
    for (const connection of this.openConnections()) connection.silent = true;
  }

  /** Sends `message` as JSON to every open connection. */
  broadcast(message: unknown): void {
    for (const connection of this.openConnections()) connection.socket.send(JSON.stringify(message));
  }

  /** Crash: cuts every connection without a close frame and stops listening (the port is kept for `start()`). */
  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const client of this.wss.clients) client.terminate();
    if (this.server.listening) await closeServer(this.server);
  }

  /** Stops everything for good. */
  async close(): Promise<void> {
    await this.stop();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const presented = presentedToken(request);
    let status = 101;
    if (this.refusal && this.refusal.remaining > 0) {
      this.refusal.remaining--;
      status = this.refusal.status;
    } else if (!presented || this.options.authority.check(presented.token) !== 'valid') {
      status = 401;
    }
    this.upgrades.push(status);
    if (status !== 101 || !presented) {
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, presented.token, presented.transport));
  }

  private accept(socket: WebSocket, token: string, transport: GatewayConnection['transport']): void {
    const connection: GatewayConnection = { id: this.connections.length, token, transport, messages: [], renewals: 0, socket, silent: false, closeCode: undefined };
    this.connections.push(connection);
    socket.on('error', () => undefined);
    socket.on('close', (code) => (connection.closeCode = code));
    if (this.closeOnAccept !== undefined) socket.close(this.closeOnAccept, 'closed on accept');
    socket.on('ping', (data) => {
      if (!connection.silent) socket.pong(data);
    });
    socket.on('message', (raw) => {
      const message = parseJson(raw.toString());
      if (typeof message === 'object' && message.type === 'auth' && typeof message.token === 'string') {
        if (this.options.authority.check(message.token) !== 'valid') return socket.close(4401, 'renewal token invalid');
        connection.token = message.token;
        connection.renewals++;
        return socket.send(JSON.stringify({ type: 'auth_ok' }));
      }
      connection.messages.push(message);
      this.received.push(message);
      if (this.options.echo ?? true) socket.send(JSON.stringify({ type: 'echo', data: message }));
    });
  }

  private sweep(): void {
    for (const connection of this.openConnections()) {
      if (this.options.authority.check(connection.token) !== 'valid') {
        connection.closeCode = 4401;
        connection.socket.close(4401, 'token expired');
      }
    }
  }
}

function presentedToken(request: http.IncomingMessage): { token: string; transport: GatewayConnection['transport'] } | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return { token: authorization.slice(7), transport: 'header' };
  const query = new URL(request.url ?? '/', 'http://127.0.0.1').searchParams.get('access_token');
  if (query) return { token: query, transport: 'query' };
  const protocols = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((value) => value.trim());
  if (protocols[0] === 'access_token' && protocols[1]) return { token: protocols[1], transport: 'subprotocol' };
  return undefined;
}

/** JSON messages as objects; anything else as its text. */
function parseJson(text: string): { type?: unknown; token?: unknown } | string {
  try {
    return JSON.parse(text) as { type?: unknown; token?: unknown };
  } catch {
    return text;
  }
}

/** Starts a gateway on 127.0.0.1, port 0. */
export function startWsGateway(options: WsGatewayOptions): Promise<WsGateway> {
  return new WsGateway(options).start();
}
