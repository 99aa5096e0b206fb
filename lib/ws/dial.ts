import type WebSocket from 'ws';
import type { RawData } from 'ws';
import { readDpopAnswer } from '../auth/dpop-answer';
import type { ResolvedChannelOptions } from './options';
import { unref } from './timers';
import type { UpgradeCredentials } from './token-transport';

/** What the channel hears from one socket. */
export interface DialHandlers {
  open(): void;
  message(data: RawData, isBinary: boolean): void;
  /**
   * Every way a socket ends comes here once; `httpStatus` is set when the
   * upgrade was answered without 101, `error` when the socket failed (refused, TLS…).
   */
  close(code: number, reason: string, httpStatus: number | undefined, error: Error | undefined): void;
}

/** Opens one ws connection with the credentials on the upgrade. */
export function dial(options: ResolvedChannelOptions, credentials: UpgradeCredentials, handlers: DialHandlers): WebSocket {
  const socket = new options.WebSocket(credentials.url, credentials.protocols, {
    ...options.wsOptions,
    headers: { ...options.headers, ...credentials.headers },
    handshakeTimeout: finiteOrUndefined(Math.min(options.handshakeTimeoutMs, options.connectTimeoutMs)),
    maxPayload: options.maxPayload,
  });
  let httpStatus: number | undefined;
  let failure: Error | undefined;
  // Every failure also ends in 'close', where it is classified; the error rides along as its cause.
  socket.on('error', (error) => (failure ??= error));
  socket.on('unexpected-response', (_request, response) => {
    // Keep the status for the close policy (401 → refresh, 403 → fatal…), then abort the handshake.
    httpStatus = response.statusCode;
    const dpop = readDpopAnswer(response);
    if (dpop.nonce !== undefined) options.auth.rememberDpopNonce?.(credentials.url, dpop.nonce);
    if (httpStatus === 401 && dpop.wantsNonce && dpop.nonce !== undefined) {
      // RFC 9449 §9: the proof lacked the server's nonce, the token is fine. A reconnect (paced as usual) carries it; no refresh.
      httpStatus = undefined;
      failure = new Error('the server asked for a DPoP nonce (use_dpop_nonce); reconnecting with it');
    }
    response.resume();
    socket.terminate();
  });
  socket.on('open', handlers.open);
  socket.on('message', handlers.message);
  socket.on('close', (code, reason) => handlers.close(code, reason.toString('utf8'), httpStatus, failure));
  return socket;
}

/** Detaches a socket from the channel; its late errors are swallowed rather than crashing the process. */
export function release(socket: WebSocket): void {
  socket.removeAllListeners();
  socket.on('error', noop);
}

/** Sends a close frame and waits for the socket to end, cutting it after `timeoutMs` (a dead peer never answers). */
export async function closeGracefully(socket: WebSocket, code: number, reason: string, timeoutMs: number): Promise<void> {
  if (socket.readyState === socket.CLOSED) return;
  await new Promise<void>((resolve) => {
    const cutOff = setTimeout(() => {
      socket.terminate();
      resolve(); // a socket that never reports its close must not hold close() forever
    }, timeoutMs);
    unref(cutOff);
    socket.once('close', () => {
      clearTimeout(cutOff);
      resolve();
    });
    try {
      socket.close(code, reason);
    } catch {
      socket.terminate(); // an invalid close code from the caller: still end the socket
    }
  });
}

function noop(): void {}

/** ws treats a missing timeout as none; Infinity would be a timer that fires at once. */
function finiteOrUndefined(ms: number): number | undefined {
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
