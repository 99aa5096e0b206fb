import { EventEmitter } from 'eventemitter3';
import type WebSocket from 'ws';
import { INSPECT, printed } from '../auth/printable';
import { AuthError, ChannelClosedError, safeCause } from '../errors';
import { fullJitterDelay } from './backoff';
import { assertTransition, isEnding } from './channel-state';
import { normalizeDecision } from './close-policy';
import { closeGracefully, dial, noop, release } from './dial';
import { decode, encode, type Frame } from './frames';
import { Heartbeat } from './heartbeat';
import { MessageStream } from './message-stream';
import { resolveChannelOptions, type ChannelCloseEvent, type ChannelState, type IncomingMessage, type OutgoingMessage, type ResolvedChannelOptions, type SessionChannelEvents, type SessionChannelOptions } from './options';
import { SendQueue, type QueuedSend } from './send-queue';
import { credentialsFor } from './token-transport';

/** A received message's size for the iterator's byte bound. */
function byteSize(message: IncomingMessage): number {
  return typeof message === 'string' ? Buffer.byteLength(message) : message.byteLength;
}

interface Ending {
  code: number;
  reason: string;
  initiator: ChannelCloseEvent['initiator'];
  error?: AuthError;
  authFailed?: boolean;
}

/**
 * A WebSocket session that authenticates every (re)connect with a fresh token
 * from a shared `AuthManager`, reconnects by a close policy, queues sends while
 * down, and ends exactly once with a `close` event.
 */
export class SessionChannel extends EventEmitter<SessionChannelEvents> implements AsyncIterable<IncomingMessage> {
  private readonly options: ResolvedChannelOptions;
  private readonly queue: SendQueue<Frame>;
  private readonly streams = new Set<MessageStream<IncomingMessage>>();
  private currentState: ChannelState = 'idle';
  private socket: WebSocket | undefined;
  private heartbeat: Heartbeat | undefined;
  /** Bumped on each connection attempt and at the end: callbacks of older ones are ignored. */
  private generation = 0;
  private attempt = 0;
  /** The current connection stayed up `stableAfterMs`. */
  private stable = false;
  private tokenUsed: string | undefined;
  /** We reported a rejection; the next token fetched is the "fresh" one. */
  private refreshRequested = false;
  /** The token in use came right after a refresh we asked for: refused at the upgrade → give up; after it → pace. */
  private tokenAfterRefresh = false;
  private heartbeatTimedOut = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private firstOpen: { promise: Promise<void>; resolve(): void; reject(error: Error): void } | undefined;
  private closing: Promise<void> | undefined;
  private terminalError: AuthError | undefined;
  /** Backing off because no token could be had: a new token from the manager ends the wait. */
  private waitingForToken = false;
  private hasOpened = false;
  /** Ends a first connect() that takes longer than `connectTimeoutMs`. */
  private connectTimer: NodeJS.Timeout | undefined;
  /** Why the last attempt failed, for the connect timeout's message. */
  private lastCause: string | undefined;
  private readonly onToken = () => {
    if (this.waitingForToken && this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      return void this.openSocket();
    }
    void this.renewOnOpenSocket();
  };

  constructor(options: SessionChannelOptions) {
    super();
    this.options = resolveChannelOptions(options);
    this.queue = new SendQueue<Frame>({ limit: this.options.maxQueuedMessages, ttlMs: this.options.queuedMessageTtlMs, now: this.options.now });
  }

  /** Where the state machine stands. */
  get state(): ChannelState {
    return this.currentState;
  }

  /** Messages waiting for a connection. */
  get queuedMessages(): number {
    return this.queue.size;
  }

  /** Starts connecting; resolves on the first open, rejects if the channel ends before it. */
  connect(): Promise<void> {
    if (isEnding(this.currentState)) return Promise.reject(this.closedError());
    if (!this.firstOpen) {
      let settle!: { resolve(): void; reject(error: Error): void };
      const promise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      this.firstOpen = { promise, ...settle };
    }
    if (this.currentState === 'idle') {
      this.options.auth.on('token', this.onToken);
      this.startConnectTimer();
      void this.openSocket();
    }
    return this.firstOpen.promise;
  }

  /**
   * Resolves when the frame is handed to the socket. Before `connect()` and
   * while not connected the message waits in the bounded queue (see
   * `maxQueuedMessages`, `queuedMessageTtlMs`); a write lost with a dying
   * socket goes back to its place in the queue and is sent on the next connection.
   */
  send(data: OutgoingMessage): Promise<void> {
    if (isEnding(this.currentState)) return Promise.reject(this.closedError());
    let frame: Frame;
    try {
      frame = encode(data);
    } catch (error) {
      return Promise.reject(new AuthError(`message is not JSON-serialisable: ${safeCause(error).message}`, { code: 'INVALID_MESSAGE', cause: safeCause(error) }));
    }
    const sent = this.queue.push(frame);
    if (this.currentState === 'open') this.flush();
    return sent;
  }

  /** Ends the channel: closes the socket (waiting up to `closeTimeoutMs`), rejects queued sends, frees every timer and listener. */
  close(code = 1000, reason = ''): Promise<void> {
    if (this.currentState === 'closed') return Promise.resolve();
    this.closing ??= this.closeSocket(code, reason).then(() => this.finish({ code, reason, initiator: 'client' }));
    return this.closing;
  }

  /** What `JSON.stringify` and `util.inspect` show: where and how it stands, never a token or the manager. */
  toJSON(): Record<string, unknown> {
    const url = new URL(this.options.url);
    return { url: `${url.origin}${url.pathname}`, state: this.currentState, attempt: this.attempt, queuedMessages: this.queue.size, tokenTransport: this.options.tokenTransport };
  }

  [INSPECT](): string {
    return printed('SessionChannel', this.toJSON());
  }

  /** Incoming messages until the channel ends (then the iteration ends, or throws the channel's error). */
  [Symbol.asyncIterator](): AsyncIterableIterator<IncomingMessage> {
    const { maxBufferedMessages, maxBufferedBytes } = this.options;
    const stream = new MessageStream<IncomingMessage>(maxBufferedMessages, (done) => this.streams.delete(done), maxBufferedBytes, byteSize);
    if (this.currentState === 'closed') stream.end(this.terminalError);
    else this.streams.add(stream);
    return stream;
  }

  private startConnectTimer(): void {
    const { connectTimeoutMs } = this.options;
    if (!Number.isFinite(connectTimeoutMs)) return;
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      const last = this.lastCause ?? 'the first attempt had not completed';
      const error = new ChannelClosedError(`no connection within ${connectTimeoutMs} ms (last: ${last})`, { code: 'CONNECT_TIMEOUT', retryable: true });
      this.finish({ code: 1006, reason: 'connect timeout', initiator: 'failure', error });
    }, connectTimeoutMs);
  }

  private async openSocket(): Promise<void> {
    // A listener of 'reconnecting' or 'stateChange' may have closed the channel just now.
    if (isEnding(this.currentState)) return;
    const generation = ++this.generation;
    this.waitingForToken = false;
    this.setState('connecting');
    const { auth, tokenTransport, url, protocols } = this.options;
    let credentials;
    try {
      credentials = await credentialsFor(auth, tokenTransport, url, protocols);
    } catch (error) {
      if (generation === this.generation) this.onTokenFailure(error);
      return;
    }
    if (generation !== this.generation) return;
    this.tokenUsed = credentials.tokenUsed;
    this.tokenAfterRefresh = this.refreshRequested;
    this.refreshRequested = false;
    this.heartbeatTimedOut = false;
    const current = () => generation === this.generation;
    let socket: WebSocket;
    try {
      socket = dial(this.options, credentials, {
        open: () => current() && this.onOpen(socket),
        message: (data, isBinary) => current() && this.onMessage(decode(data, isBinary)),
        close: (code, reason, httpStatus, error) => current() && this.onDrop(code, reason, httpStatus, error),
      });
    } catch (error) {
      // ws refuses some options synchronously (a duplicated subprotocol, a bad URL): no retry can help.
      const failure = new ChannelClosedError(`could not open the socket: ${safeCause(error).message}`, { cause: error });
      return this.finish({ code: 1006, reason: 'dial failed', initiator: 'failure', error: failure });
    }
    this.socket = socket;
  }

  private onOpen(socket: WebSocket): void {
    this.stable = false;
    this.heartbeat = new Heartbeat(socket, this.options.heartbeatMs, () => (this.heartbeatTimedOut = true), this.options.now);
    this.heartbeat.start();
    this.stableTimer = setTimeout(() => {
      this.stableTimer = undefined;
      this.stable = true;
      this.attempt = 0;
      // The server kept this token's connection: a later refusal of it is an expiry, not a verdict.
      if (this.tokenUsed !== undefined) this.options.auth.tokenAccepted?.(this.tokenUsed);
    }, this.options.reconnect.stableAfterMs);
    this.stableTimer.unref();
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.setState('open');
    if (this.currentState !== 'open') return; // a stateChange listener closed the channel
    this.flush();
    this.emit('open');
    this.hasOpened = true;
    this.firstOpen?.resolve();
  }

  private onMessage(message: IncomingMessage): void {
    this.emit('message', message);
    for (const stream of this.streams) stream.push(message);
  }

  private onDrop(code: number, reason: string, httpStatus: number | undefined, socketError?: Error): void {
    const openedWithToken = this.currentState === 'open';
    // Stability belongs to the connection that just ended; an upgrade that failed was never stable.
    const wasStable = this.stable;
    this.stable = false;
    this.releaseSocket();
    if (this.heartbeatTimedOut) return this.scheduleReconnect('heartbeat timeout');
    // 'close 1006 (connect ECONNREFUSED …)': the socket's own error says why a drop had no close frame.
    const cause = httpStatus !== undefined ? `http ${httpStatus}` : socketError ? `close ${code} (${safeCause(socketError).message})` : `close ${code}`;
    let decision;
    try {
      decision = normalizeDecision(this.options.classifyClose(code, httpStatus ?? reason));
    } catch (error) {
      const failure = new ChannelClosedError(`classifyClose threw on ${cause}`, { cause: safeCause(error) });
      return this.finish({ code, reason, initiator: 'failure', error: failure });
    }
    const { outcome, minDelayMs } = decision;
    switch (outcome) {
      case 'done':
        return this.finish({ code, reason, initiator: 'server' });
      case 'fatal': {
        const error = new ChannelClosedError(`the server ended the session (${cause}${reason ? `: ${reason}` : ''})`);
        return this.finish({ code, reason, initiator: 'failure', error });
      }
      case 'refresh':
        return void this.refreshAndReconnect(cause, openedWithToken, wasStable);
      case 'reconnect':
        return this.scheduleReconnect(cause, minDelayMs);
    }
  }

  /**
   * One shared refresh, then reconnect at once. A fresh token refused at the
   * upgrade ends the channel (`authFailed`): the credentials are bad, retrying
   * would loop. Only the first refusal since the last stable connection
   * reconnects at once; every further one waits its backoff delay, even when
   * another channel replaced the token meanwhile, so a server that closes
   * every new connection with 4401 gets no storm (`maxAttempts` bounds it).
   */
  private async refreshAndReconnect(cause: string, openedWithToken: boolean, wasStable: boolean): Promise<void> {
    let generation = ++this.generation;
    const refusedFresh = this.tokenAfterRefresh && !(await this.expiredOnTheWay(this.tokenUsed));
    if (generation !== this.generation) return;
    if (refusedFresh && !openedWithToken) {
      const error = new AuthError(`the server rejected a freshly refreshed token at the upgrade (${cause})`, { code: 'AUTH_FAILED' });
      return this.finish({ code: 4401, reason: 'unauthorized', initiator: 'failure', authFailed: true, error });
    }
    if (!this.countAttempt(cause)) return;
    this.setState('reconnecting');
    generation = ++this.generation;
    try {
      await this.options.auth.handleUnauthorized(this.tokenUsed);
    } catch (error) {
      // One drop, one attempt, one event: the token failure's backoff is this drop's delay.
      if (generation === this.generation) this.onTokenFailure(error, `unauthorized (${cause}), token unavailable`, true);
      return;
    }
    if (generation !== this.generation) return;
    const paced = this.attempt > 1 && !wasStable;
    const delayMs = paced ? fullJitterDelay(this.attempt - 1, this.options.reconnect, this.options.random) : 0;
    this.emit('reconnecting', { attempt: this.attempt, delayMs, reason: `unauthorized (${cause})` });
    this.refreshRequested = true;
    this.retryAfter(delayMs);
  }

  /**
   * A fresh token refused means bad credentials (or an odd server), unless it
   * simply ran out (a short lifetime, a slow link): then the manager, asked
   * again, already hands out a newer one. Nothing to compare for an API key.
   */
  private async expiredOnTheWay(tokenUsed: string | undefined): Promise<boolean> {
    if (tokenUsed === undefined) return false;
    try {
      return (await this.options.auth.getAccessToken()) !== tokenUsed;
    } catch {
      return true; // the token fetch of the next attempt reports the failure properly
    }
  }

  /** A retryable token failure backs off like a drop; a permanent one ends the channel. */
  private onTokenFailure(caught: unknown, reason = 'token unavailable', counted = false): void {
    const error = caught instanceof AuthError ? caught : new AuthError(`could not get a token: ${safeCause(caught).message}`, { code: 'UNEXPECTED', retryable: true, cause: safeCause(caught) });
    if (!error.retryable) {
      return this.finish({ code: 4401, reason: 'unauthorized', initiator: 'failure', authFailed: true, error });
    }
    this.waitingForToken = true;
    this.scheduleReconnect(reason, 0, error, counted);
  }

  private scheduleReconnect(reason: string, minDelayMs = 0, cause?: AuthError, counted = false): void {
    if (!counted && !this.countAttempt(reason, cause)) return;
    const delayMs = Math.max(minDelayMs, fullJitterDelay(this.attempt - 1, this.options.reconnect, this.options.random));
    this.setState('reconnecting');
    this.emit('reconnecting', { attempt: this.attempt, delayMs, reason });
    this.retryAfter(delayMs);
  }

  private retryAfter(delayMs: number): void {
    if (delayMs <= 0) return void this.openSocket();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.openSocket();
    }, delayMs);
    // Until the first open, someone awaits connect(): the process must not exit under them.
    if (this.firstOpen === undefined || this.hasOpened) this.retryTimer.unref();
  }

  /** Counts a retry; false (and the channel ended) once `maxAttempts` is spent. */
  private countAttempt(reason: string, cause?: AuthError): boolean {
    this.attempt++;
    this.lastCause = reason;
    if (this.attempt <= this.options.reconnect.maxAttempts) return true;
    const error = new ChannelClosedError(`gave up after ${this.options.reconnect.maxAttempts} reconnect attempts (last: ${reason})`, { retryable: true, cause });
    this.finish({ code: 1006, reason, initiator: 'failure', error });
    return false;
  }

  /** Hands every queued message to the socket, in order; a write that fails because the socket died goes back in its place. */
  private flush(): void {
    const socket = this.socket;
    // A socket the server is closing still reads 'open' here until its close event: leave the queue for the next one.
    if (!socket || this.currentState !== 'open' || socket.readyState !== socket.OPEN) return;
    for (const entry of this.queue.drain()) this.write(socket, entry);
  }

  private write(socket: WebSocket, entry: QueuedSend<Frame>): void {
    socket.send(entry.data, (error) => {
      if (!error) return entry.resolve();
      if (isEnding(this.currentState)) return entry.reject(this.closedError());
      if (socket.readyState === socket.OPEN) return entry.reject(new AuthError(`send failed: ${safeCause(error).message}`, { code: 'SEND_FAILED', cause: safeCause(error) }));
      // The socket died under the write: back in its place, for the next connection's flush
      // (flushing again here would spin on the dying socket, a callback per turn, and starve I/O).
      this.queue.requeue(entry);
      if (this.socket !== socket) this.flush(); // a new socket may already be open and flushed
    });
  }

  private async renewOnOpenSocket(): Promise<void> {
    const { renewOnOpenSocket, auth } = this.options;
    const socket = this.socket;
    if (!renewOnOpenSocket || !socket || this.currentState !== 'open') return;
    let token: string;
    try {
      token = await auth.getAccessToken();
    } catch {
      return; // the server will close with 4401 if the old token runs out, and that path refreshes
    }
    if (socket !== this.socket || this.currentState !== 'open' || token === this.tokenUsed) return;
    let frame: Frame;
    try {
      frame = encode(renewOnOpenSocket(token));
    } catch {
      return; // a broken renewal builder: the server's 4401 still leads to a refresh and reconnect
    }
    this.tokenUsed = token;
    this.tokenAfterRefresh = false; // the token in use is now the renewed one, not the one our refresh produced
    socket.send(frame, noop);
  }

  private async closeSocket(code: number, reason: string): Promise<void> {
    this.setState('closing');
    this.generation++;
    this.clearTimers();
    const socket = this.socket;
    this.releaseSocket();
    if (socket) await closeGracefully(socket, code, reason, this.options.closeTimeoutMs);
  }

  /** The one way out: every path that ends the channel comes here, once. */
  private finish(ending: Ending): void {
    if (this.currentState === 'closed') return;
    this.generation++;
    this.clearTimers();
    const socket = this.socket;
    this.releaseSocket();
    socket?.terminate();
    this.options.auth.off('token', this.onToken);
    this.terminalError = ending.error;
    this.queue.rejectAll(this.closedError());
    for (const stream of [...this.streams]) stream.end(ending.error);
    this.setState('closed');
    if (ending.error) this.emit(ending.authFailed ? 'authFailed' : 'error', ending.error);
    this.emit('close', { code: ending.code, reason: ending.reason, initiator: ending.initiator, error: ending.error });
    this.firstOpen?.reject(ending.error ?? this.closedError());
    this.firstOpen?.promise.catch(noop); // nobody may be waiting on connect() any more
    this.removeAllListeners();
  }

  /** Forgets the current socket: its later events are ignored, its errors swallowed. */
  private releaseSocket(): void {
    this.heartbeat?.stop();
    this.heartbeat = undefined;
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.stableTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    if (socket) release(socket);
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
  }

  private closedError(): ChannelClosedError {
    return this.terminalError ? new ChannelClosedError(`the session channel ended: ${this.terminalError.message}`, { cause: this.terminalError }) : new ChannelClosedError();
  }

  private setState(next: ChannelState): void {
    const previous = this.currentState;
    if (next === previous) return;
    assertTransition(previous, next);
    this.currentState = next;
    this.emit('stateChange', next, previous);
  }
}
