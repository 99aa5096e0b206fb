import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Credential, GatewayState } from './gateway-state';
import type { StreamConnection, StreamControls } from './stream-controls';
import { authenticateResource } from './resource-auth';
import { splitUrl, type PathMatcher } from './routes';
import { requestUrls } from './token-request';
import { CloseCodes, TOKEN_QUERY_PARAMETER, TOKEN_SUBPROTOCOL } from '../ws/protocol';

/** Close codes of the gateway protocol (the client's own constants). */
export const CLOSE_TOKEN_EXPIRED = CloseCodes.TOKEN_EXPIRED;
export const CLOSE_FORBIDDEN = CloseCodes.FORBIDDEN;

/**
 * Subprotocol markers for browsers, which cannot set headers: the client offers
 * `['access_token', <token>]` (SessionChannel's `tokenTransport: 'subprotocol'`)
 * or `['bearer', <token>]`; the server selects the marker, never the token.
 */
export const TOKEN_SUBPROTOCOLS: readonly string[] = [TOKEN_SUBPROTOCOL, 'bearer'];

interface Connection {
  socket: WebSocket;
  sessionId: string;
  credential: Credential;
  expiryTimer: NodeJS.Timeout | undefined;
  record: StreamConnection;
}

/** The gateway's WebSocket side: authenticated upgrades, echo with sequence numbers, in-band renewal, 4401 at expiry. */
export class StreamServer {
  // Pings are answered by hand, so that `silence()` can stop answering them.
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: selectProtocol, maxPayload: 1024 * 1024, autoPong: false });
  private readonly connections = new Set<Connection>();

  constructor(
    private readonly state: GatewayState,
    private readonly stream: PathMatcher,
    private readonly strictSessions: boolean,
    readonly controls: StreamControls,
    /** The gateway's own origins (`http://127.0.0.1:PORT`), besides the request's Host: accepted in a DPoP proof's htu. */
    private readonly origins: () => string[] = () => [],
  ) {
    // RFC 9449 §9: the switch to WebSocket tells the current nonce too.
    this.wss.on('headers', (headers) => {
      if (this.state.authority.dpop.nonceRequired) headers.push(`DPoP-Nonce: ${this.state.authority.dpop.nonce}`);
    });
  }

  /** Handles the HTTP server's `upgrade` event. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.upgrade(request, socket, head).catch(() => {
      this.controls.noteUpgrade(500);
      refuseUpgrade(this.state, socket, 500);
    });
  }

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const refuse = (status: number, headers?: Record<string, string>) => {
      this.controls.noteUpgrade(status);
      refuseUpgrade(this.state, socket, status, headers);
    };
    const forced = this.controls.takeRefusal();
    if (forced !== undefined) return refuse(forced);
    const { pathname, query } = splitUrl(request.url);
    const sessionId = this.stream.match(pathname);
    if (sessionId === undefined || sessionId === '') return refuse(404);
    const queryToken = query.get(TOKEN_QUERY_PARAMETER) ?? undefined;
    const subprotocolToken = protocolToken(request);
    const outcome = await authenticateResource(this.state, request, upgradeUrls(request, this.origins()), queryToken ?? subprotocolToken);
    if (!outcome.ok) return refuse(401, outcome.headers);
    // The client may have gone while the proof was checked.
    if (socket.destroyed) return;
    const { credential } = outcome;
    const access = this.state.access(sessionId, credential.subject, this.strictSessions ? undefined : credential.subject);
    if (access !== 'ok') return refuse(access === 'unknown' ? 404 : 403);
    const transport = queryToken !== undefined ? 'query' : subprotocolToken !== undefined && request.headers.authorization === undefined ? 'subprotocol' : 'header';
    this.controls.noteUpgrade(101);
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, sessionId, credential, transport));
  }

  /** Closes every connection with `code`, or drops it without a close frame (the client sees 1006). */
  drop(code?: number): number {
    const count = this.connections.size;
    for (const connection of [...this.connections]) this.end(connection, code, 'closed by the test gateway');
    return count;
  }

  /** Closes with 4401 every connection whose token is no longer valid (after `expireAccessTokens()`). */
  closeExpired(): void {
    for (const connection of [...this.connections]) this.checkAlive(connection);
  }

  /** Closes with 4403 every connection on the session (after `forbidSession()`). */
  closeSession(sessionId: string): void {
    for (const connection of [...this.connections]) {
      if (connection.sessionId === sessionId) this.end(connection, CLOSE_FORBIDDEN, 'forbidden');
    }
  }

  /** Terminates every socket and clears every timer. */
  async close(): Promise<void> {
    this.controls.release();
    for (const connection of [...this.connections]) this.end(connection, undefined, '');
    // Sockets whose close handshake is still under way are no longer in `connections`.
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(socket: WebSocket, sessionId: string, credential: Credential, transport: StreamConnection['transport']): void {
    const record: StreamConnection = { id: this.controls.nextConnectionId(), sessionId, token: credential.secret, transport, messages: [], renewals: 0, socket, silent: false, closeCode: undefined };
    this.controls.connections.push(record);
    const connection: Connection = { socket, sessionId, credential, expiryTimer: undefined, record };
    this.connections.add(connection);
    this.state.countOpened(sessionId);
    this.scheduleExpiry(connection);
    socket.on('message', (data) => this.onMessage(connection, data));
    socket.on('ping', (data) => record.silent || socket.pong(data));
    socket.on('error', () => undefined); // a client vanishing mid-frame is normal here; 'close' follows
    socket.on('close', (code) => {
      record.closeCode ??= code;
      this.retire(connection, code);
    });
    if (this.controls.closeOnAccept !== undefined) this.end(connection, this.controls.closeOnAccept, 'closed on accept');
  }

  private onMessage(connection: Connection, data: RawData): void {
    if (connection.socket.readyState !== connection.socket.OPEN) return;
    let message: unknown;
    const text = rawText(data);
    try {
      message = JSON.parse(text);
    } catch {
      this.controls.keep(connection.record, text); // kept as text, for a test to see
      if (this.checkAlive(connection)) this.reply(connection, { type: 'error', error: 'invalid_json' });
      return;
    }
    const record = message !== null && typeof message === 'object' ? (message as Record<string, unknown>) : undefined;
    // A renewal is accepted until the server has actually closed the connection.
    if (record?.['type'] === 'auth') return this.renew(connection, record['token']);
    if (!this.checkAlive(connection)) return;
    this.controls.keep(connection.record, message);
    const seq = this.state.nextSequence(connection.sessionId);
    if (this.controls.echo) this.reply(connection, { type: 'echo', seq, data: message });
  }

  /** In-band renewal: the connection adopts the new token and its expiry. */
  private renew(connection: Connection, token: unknown): void {
    const outcome = typeof token === 'string' ? this.state.check(token) : undefined;
    if (!outcome?.ok || !this.mayRenewWith(connection, outcome.credential)) {
      this.end(connection, CLOSE_TOKEN_EXPIRED, 'renewal token rejected');
      return;
    }
    if (this.state.access(connection.sessionId, outcome.credential.subject) !== 'ok') {
      this.end(connection, CLOSE_FORBIDDEN, 'forbidden');
      return;
    }
    const jkt = connection.credential.jkt;
    connection.credential = jkt === undefined ? outcome.credential : { ...outcome.credential, jkt };
    connection.record.token = outcome.credential.secret;
    connection.record.renewals++;
    this.state.countRenewal();
    this.scheduleExpiry(connection);
    const expiresAt = outcome.credential.expiresAt;
    this.reply(connection, { type: 'auth_ok', expires_at: expiresAt === undefined ? null : new Date(expiresAt).toISOString() });
  }

  /**
   * A renewal carries no proof: a bound token is taken only if bound to the
   * key the connection proved at its upgrade; an unbound one unless DPoP is required.
   */
  private mayRenewWith(connection: Connection, credential: Credential): boolean {
    if (credential.kind !== 'bearer') return true;
    const jkt = this.state.authority.binding(credential.secret);
    return jkt !== undefined ? jkt === connection.credential.jkt : !this.state.authority.dpop.required;
  }

  private reply(connection: Connection, json: object): void {
    if (this.controls.hold(() => this.reply(connection, json))) return;
    if (connection.socket.readyState !== connection.socket.OPEN) return;
    connection.socket.send(JSON.stringify(json));
    this.state.countSent(connection.sessionId);
  }

  private checkAlive(connection: Connection): boolean {
    if (connection.socket.readyState !== connection.socket.OPEN) return false;
    if (this.state.isAlive(connection.credential)) return true;
    this.end(connection, CLOSE_TOKEN_EXPIRED, 'token expired');
    return false;
  }

  /**
   * A close the server starts is counted at once, so a test that saw the
   * client's close event finds it in `stats()`; `undefined` drops the socket.
   */
  private end(connection: Connection, code: number | undefined, reason: string): void {
    connection.record.closeCode ??= code ?? 1006;
    this.retire(connection, code ?? 1006);
    if (code === undefined) connection.socket.terminate();
    else connection.socket.close(code, reason);
  }

  private retire(connection: Connection, code: number): void {
    this.stopTimer(connection);
    if (!this.connections.delete(connection)) return;
    this.state.countClosed(code);
    this.controls.forget(connection.record);
  }

  private scheduleExpiry(connection: Connection): void {
    this.stopTimer(connection);
    const { expiresAt } = connection.credential;
    if (expiresAt === undefined) return;
    // Re-checked when it fires: a timer may fire a millisecond before the clock agrees.
    const delay = Math.min(Math.max(0, expiresAt - Date.now()) + 1, 2 ** 31 - 1);
    connection.expiryTimer = setTimeout(() => {
      connection.expiryTimer = undefined;
      if (this.checkAlive(connection)) this.scheduleExpiry(connection);
    }, delay);
    connection.expiryTimer.unref();
  }

  private stopTimer(connection: Connection): void {
    if (connection.expiryTimer) clearTimeout(connection.expiryTimer);
    connection.expiryTimer = undefined;
  }
}

function refuseUpgrade(state: GatewayState, socket: Duplex, status: number, headers: Record<string, string> = {}): void {
  state.countUpgradeRejected(status);
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Connection: close', 'Content-Length: 0', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n`);
}

/** An upgrade's URL as its proof may name it: the ws:// URL asked for, or its http:// twin. */
function upgradeUrls(request: IncomingMessage, origins: string[]): string[] {
  const urls = requestUrls(request, { origins });
  return [...urls.map((url) => url.replace(/^http:/, 'ws:')), ...urls];
}

/** The token offered as `Sec-WebSocket-Protocol: access_token, <token>` (or `bearer, <token>`). */
function protocolToken(request: IncomingMessage): string | undefined {
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((entry) => entry.trim());
  const marker = offered.findIndex((entry) => TOKEN_SUBPROTOCOLS.includes(entry.toLowerCase()));
  return marker === -1 ? undefined : offered[marker + 1];
}

function selectProtocol(protocols: Set<string>): string | false {
  for (const protocol of protocols) if (TOKEN_SUBPROTOCOLS.includes(protocol.toLowerCase())) return protocol;
  const [first] = protocols;
  return first ?? false;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
