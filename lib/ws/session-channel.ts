import { EventEmitter } from 'eventemitter3';
import { INSPECT, printed } from '../auth/printable';
import { AuthError, ChannelClosedError, safeCause } from '../errors';
import { assertTransition, isEnding } from './channel-state';
import { classifyDrop } from './close-policy';
import { Connection, type Drop } from './connection';
import { closeGracefully } from './dial';
import { FirstConnect } from './first-connect';
import { Inbox, messageBytes } from './message-stream';
import { Outbox } from './outbox';
import { resolveChannelOptions, type ChannelCloseEvent, type ChannelState, type IncomingMessage, type OutgoingMessage, type ResolvedChannelOptions, type SessionChannelEvents, type SessionChannelOptions } from './options';
import { Reauthentication } from './reauth';
import { ReconnectScheduler } from './reconnect-scheduler';
import { credentialsFor } from './token-transport';

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
 * down, and ends exactly once with a `close` event. The channel holds the state
 * machine and the close-policy switch; each socket is a `Connection`, the
 * attempts and their timer a `ReconnectScheduler`, the token decisions a
 * `Reauthentication`.
 */
export class SessionChannel extends EventEmitter<SessionChannelEvents> implements AsyncIterable<IncomingMessage> {
  private readonly options: ResolvedChannelOptions;
  private readonly outbox: Outbox;
  private readonly inbox: Inbox<IncomingMessage>;
  private readonly scheduler: ReconnectScheduler;
  private readonly reauth: Reauthentication;
  private currentState: ChannelState = 'idle';
  private connection: Connection | undefined;
  private readonly firstConnect: FirstConnect;
  private closing: Promise<void> | undefined;
  private terminalError: AuthError | undefined;
  /** Backing off because no token could be had: a new token from the manager ends the wait. */
  private waitingForToken = false;
  private readonly onToken = () => {
    if (this.waitingForToken && this.scheduler.hurry()) return;
    void this.renewOnOpenSocket();
  };

  constructor(options: SessionChannelOptions) {
    super();
    this.options = resolveChannelOptions(options);
    const { maxQueuedMessages, queuedMessageTtlMs, now, reconnect, random, timers, auth } = this.options;
    this.outbox = new Outbox({ limit: maxQueuedMessages, ttlMs: queuedMessageTtlMs, now }, { connection: () => this.connection, ending: () => isEnding(this.currentState), closedError: () => this.closedError() });
    this.scheduler = new ReconnectScheduler(reconnect, random, timers);
    this.reauth = new Reauthentication(auth);
    this.firstConnect = new FirstConnect(this.options.connectTimeoutMs, timers);
    this.inbox = new Inbox<IncomingMessage>(this.options.maxBufferedMessages, this.options.maxBufferedBytes, messageBytes);
  }

  /** Where the state machine stands. */
  get state(): ChannelState {
    return this.currentState;
  }

  /** Messages waiting for a connection. */
  get queuedMessages(): number {
    return this.outbox.size;
  }

  /** Starts connecting; resolves on the first open, rejects if the channel ends before it. */
  connect(): Promise<void> {
    if (isEnding(this.currentState)) return Promise.reject(this.closedError());
    const opened = this.firstConnect.promise();
    if (this.currentState === 'idle') {
      this.options.auth.on('token', this.onToken);
      this.firstConnect.start((error) => this.finish({ code: 1006, reason: 'connect timeout', initiator: 'failure', error }));
      void this.openSocket();
    }
    return opened;
  }

  /**
   * Resolves when the frame is handed to the socket. Before `connect()` and
   * while not connected the message waits in the bounded queue (see
   * `maxQueuedMessages`, `queuedMessageTtlMs`); a write lost with a dying
   * socket goes back to its place in the queue and is sent on the next connection.
   */
  send(data: OutgoingMessage): Promise<void> {
    if (isEnding(this.currentState)) return Promise.reject(this.closedError());
    return this.outbox.send(data, this.currentState === 'open');
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
    return { url: `${url.origin}${url.pathname}`, state: this.currentState, attempt: this.scheduler.attempt, queuedMessages: this.outbox.size, tokenTransport: this.options.tokenTransport };
  }

  [INSPECT](): string {
    return printed('SessionChannel', this.toJSON());
  }

  /** Incoming messages until the channel ends (then the iteration ends, or throws the channel's error). */
  [Symbol.asyncIterator](): AsyncIterableIterator<IncomingMessage> {
    return this.inbox.iterator();
  }

  private async openSocket(): Promise<void> {
    // A listener of 'reconnecting' or 'stateChange' may have closed the channel just now.
    if (isEnding(this.currentState)) return;
    this.scheduler.cancel(); // an older attempt still fetching its token is superseded
    const ticket = this.scheduler.ticket();
    this.waitingForToken = false;
    this.setState('connecting');
    const { auth, tokenTransport, url, protocols } = this.options;
    let credentials;
    try {
      credentials = await credentialsFor(auth, tokenTransport, url, protocols);
    } catch (error) {
      if (ticket.live) this.onTokenFailure(error);
      return;
    }
    if (!ticket.live) return;
    this.reauth.dialing(credentials.tokenUsed);
    try {
      this.connection = new Connection(this.options, credentials, {
        open: () => this.onOpen(),
        message: (message) => this.onMessage(message),
        stable: () => this.onStable(),
        drop: (drop) => this.onDrop(drop),
      });
    } catch (error) {
      const failure = new ChannelClosedError(`could not open the socket: ${safeCause(error).message}`, { cause: error });
      this.finish({ code: 1006, reason: 'dial failed', initiator: 'failure', error: failure });
    }
  }

  private onOpen(): void {
    this.setState('open');
    if (this.currentState !== 'open') return; // a stateChange listener closed the channel
    this.outbox.flush();
    // Before the event: a listener that throws must not leave the connect timeout armed (awaiters run later anyway).
    this.firstConnect.open();
    this.emit('open');
  }

  private onStable(): void {
    this.scheduler.stable();
    this.reauth.accepted();
  }

  private onMessage(message: IncomingMessage): void {
    this.emit('message', message);
    this.inbox.push(message);
  }

  /** The close policy's switch: every drop (or refused upgrade) is classified once. */
  private onDrop(drop: Drop): void {
    this.connection = undefined;
    if (drop.heartbeatTimedOut) return this.scheduleReconnect('heartbeat timeout');
    const { code, reason } = drop;
    const decision = classifyDrop(drop, this.options.classifyClose);
    const { cause } = decision;
    if ('policyError' in decision) {
      const failure = new ChannelClosedError(`classifyClose threw on ${cause}`, { cause: safeCause(decision.policyError) });
      return this.finish({ code, reason, initiator: 'failure', error: failure });
    }
    switch (decision.outcome) {
      case 'done':
        return this.finish({ code, reason, initiator: 'server' });
      case 'fatal': {
        const error = new ChannelClosedError(`the server ended the session (${cause}${reason ? `: ${reason}` : ''})`);
        return this.finish({ code, reason, initiator: 'failure', error });
      }
      case 'refresh':
        return void this.refreshAndReconnect(cause, drop);
      case 'reconnect':
        return this.scheduleReconnect(cause, decision.minDelayMs);
    }
  }

  /**
   * One shared refresh, then reconnect. A fresh token refused at the upgrade
   * ends the channel (`authFailed`): the credentials are bad, retrying would
   * loop. See `Reauthentication.paced` for when the reconnect waits.
   */
  private async refreshAndReconnect(cause: string, { wasOpen, wasStable }: Drop): Promise<void> {
    const ticket = this.scheduler.ticket();
    const refusedFresh = await this.reauth.refusedFresh();
    if (!ticket.live) return;
    if (refusedFresh && !wasOpen) {
      const error = new AuthError(`the server rejected a freshly refreshed token at the upgrade (${cause})`, { code: 'AUTH_FAILED' });
      return this.finish({ code: 4401, reason: 'unauthorized', initiator: 'failure', authFailed: true, error });
    }
    if (!this.countAttempt(cause)) return;
    this.setState('reconnecting');
    try {
      await this.options.auth.handleUnauthorized(this.reauth.tokenUsed);
    } catch (error) {
      // One drop, one attempt, one event: the token failure's backoff is this drop's delay.
      if (ticket.live) this.onTokenFailure(error, `unauthorized (${cause}), token unavailable`, true);
      return;
    }
    if (!ticket.live) return;
    const delayMs = Reauthentication.paced(this.scheduler.attempt, wasStable) ? this.scheduler.delay() : 0;
    this.emit('reconnecting', { attempt: this.scheduler.attempt, delayMs, reason: `unauthorized (${cause})` });
    this.reauth.refreshed();
    this.retryAfter(delayMs);
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
    const delayMs = this.scheduler.delay(minDelayMs);
    this.setState('reconnecting');
    this.emit('reconnecting', { attempt: this.scheduler.attempt, delayMs, reason });
    this.retryAfter(delayMs);
  }

  private retryAfter(delayMs: number): void {
    this.scheduler.schedule(delayMs, () => void this.openSocket(), this.firstConnect.awaited);
  }

  /** Counts a retry; false (and the channel ended) once `maxAttempts` is spent. */
  private countAttempt(reason: string, cause?: AuthError): boolean {
    this.firstConnect.lastCause = reason;
    if (this.scheduler.count()) return true;
    const error = new ChannelClosedError(`gave up after ${this.options.reconnect.maxAttempts} reconnect attempts (last: ${reason})`, { retryable: true, cause });
    this.finish({ code: 1006, reason, initiator: 'failure', error });
    return false;
  }

  /** With `renewOnOpenSocket`, a new token from the manager goes to the open socket instead of waiting for a 4401. */
  private async renewOnOpenSocket(): Promise<void> {
    const { renewOnOpenSocket } = this.options;
    const connection = this.connection;
    if (!renewOnOpenSocket || !connection?.writable || this.currentState !== 'open') return;
    await this.reauth.renew(connection, renewOnOpenSocket, () => connection === this.connection && this.currentState === 'open');
  }

  private async closeSocket(code: number, reason: string): Promise<void> {
    this.setState('closing');
    this.stopTimers();
    const socket = this.connection?.dispose();
    this.connection = undefined;
    if (socket) await closeGracefully(socket, code, reason, this.options.closeTimeoutMs);
  }

  /** The one way out: every path that ends the channel comes here, once. */
  private finish(ending: Ending): void {
    if (this.currentState === 'closed') return;
    this.stopTimers();
    this.connection?.dispose().terminate();
    this.connection = undefined;
    this.options.auth.off('token', this.onToken);
    this.terminalError = ending.error;
    this.outbox.rejectAll(this.closedError());
    this.inbox.end(ending.error);
    this.setState('closed');
    if (ending.error) this.emit(ending.authFailed ? 'authFailed' : 'error', ending.error);
    this.emit('close', { code: ending.code, reason: ending.reason, initiator: ending.initiator, error: ending.error });
    this.firstConnect.fail(ending.error ?? this.closedError());
    this.removeAllListeners();
  }

  /** The retry timer, every pending step of a reconnect, and the connect timeout. */
  private stopTimers(): void {
    this.scheduler.cancel();
    this.firstConnect.stop();
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
