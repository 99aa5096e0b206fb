import WebSocket, { type ClientOptions } from 'ws';
import { invalidOption, type AuthError, type ConfigError } from '../errors';
import { DEFAULT_RECONNECT, type ReconnectOptions } from './backoff';
import { defaultClassifyClose, type ClassifyClose } from './close-policy';
import { isTokenSource, type TokenSource } from '../auth/token-source';
import { systemTimers, type Timers } from './timers';
import type { TokenTransport } from './token-transport';

/**
 * What a channel uses of an `AuthManager` (typed structurally so any object
 * with these methods works; a real `AuthManager` fits as is).
 */
/** What a channel borrows: the whole `TokenSource` (`'token'` ends a wait for a token and drives `renewOnOpenSocket`). */
export type ChannelAuth = TokenSource;

/**
 * What `send()` takes: text and binary frames as ws sends them; anything else
 * (any object, a typed interface included, or a number, boolean or null) goes
 * as JSON text. A value with no JSON form rejects with `INVALID_MESSAGE`.
 */
export type OutgoingMessage = string | Buffer | ArrayBuffer | ArrayBufferView | object | number | boolean | null;

/** A received message: text frames as strings, binary frames as Buffers. */
export type IncomingMessage = string | Buffer;

/** The constructor of a ws-compatible client socket (`ws` by default; inject one in tests). */
export type WebSocketConstructor = new (url: string, protocols: string[], options: ClientOptions) => WebSocket;

/** Options of a `SessionChannel`. */
export interface SessionChannelOptions {
  /** `ws://` or `wss://` URL of the stream. */
  url: string;
  auth: ChannelAuth;
  /** Where the token goes on the upgrade. Default `'header'`. */
  tokenTransport?: TokenTransport;
  reconnect?: Partial<ReconnectOptions>;
  /** Ping interval; the peer is dropped after two silent intervals. 0 disables. Default 30 000 (in a browser, which has no ws ping: off). */
  heartbeatMs?: number;
  /** Bound of the send queue used while not connected. Default 1 000. */
  maxQueuedMessages?: number;
  /** How long a queued message may wait before its `send()` rejects with `SEND_TIMEOUT`. Default 30 000. */
  queuedMessageTtlMs?: number;
  /** Bound of each async iterator's buffer. Default 10 000. */
  maxBufferedMessages?: number;
  /** Replaces the default close policy (see `defaultClassifyClose`). */
  classifyClose?: ClassifyClose;
  /** When the manager gets a new token, send this message on the open socket instead of waiting for a 4401. */
  renewOnOpenSocket?: (token: string) => OutgoingMessage;
  /** Subprotocols to offer (after any carrying the token). */
  protocols?: string[];
  /** Extra upgrade headers (the credential header wins). */
  headers?: Record<string, string>;
  /**
   * How long `connect()` waits for the first connection, over every attempt;
   * then it rejects with `CONNECT_TIMEOUT` naming the last attempt's cause,
   * and the channel ends. Default 30 000; `Infinity` waits for ever.
   */
  connectTimeoutMs?: number;
  /** Each attempt's opening handshake (a server that never answers the upgrade). Default 10 000 ms. */
  handshakeTimeoutMs?: number;
  /** Largest frame accepted from the server; a bigger one drops the connection (close 1009). Default 4 MiB. */
  maxPayload?: number;
  /** Bound in bytes of each async iterator's buffer (besides `maxBufferedMessages`). Default 16 MiB. */
  maxBufferedBytes?: number;
  /** How long `close()` waits for the server's close frame before cutting the socket. Default 2 000 ms. */
  closeTimeoutMs?: number;
  /** Injected `Math.random` for the jitter. */
  random?: () => number;
  /** Clock in epoch ms for the queue TTL and the heartbeat deadline. Default `Date.now`. */
  now?: () => number;
  /** Timer functions for reconnects, heartbeats and timeouts (inject fake ones in tests). Default the runtime's. */
  timers?: Timers;
  /** Client socket constructor. Default: `ws`. */
  WebSocket?: WebSocketConstructor;
  /** Further ws client options (TLS, agent…). */
  wsOptions?: Omit<ClientOptions, 'headers' | 'handshakeTimeout' | 'maxPayload'>;
}

/** Payload of `reconnecting`. */
export interface ReconnectingEvent {
  /** 1 for the first retry after a drop; resets after a stable connection. */
  attempt: number;
  delayMs: number;
  /** Why: `close 1006`, `http 503`, `unauthorized`, `heartbeat timeout`, `token unavailable`… */
  reason: string;
}

/** Payload of `close` (emitted once, when the channel has ended). */
export interface ChannelCloseEvent {
  code: number;
  reason: string;
  /** Who ended it: `close()`, the server (`done`), or a failure. */
  initiator: 'client' | 'server' | 'failure';
  /** Set when the channel ended on an error (also emitted as `error` or `authFailed`). */
  error: AuthError | undefined;
}

/** The states of a channel. */
export type ChannelState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed';

/** Typed events of a `SessionChannel`. */
export interface SessionChannelEvents {
  open: () => void;
  message: (data: IncomingMessage) => void;
  stateChange: (state: ChannelState, previous: ChannelState) => void;
  reconnecting: (event: ReconnectingEvent) => void;
  close: (event: ChannelCloseEvent) => void;
  /** Credentials rejected for good (a fresh token refused too, or the grant failed permanently). */
  authFailed: (error: AuthError) => void;
  /** The channel ended on a fatal close, a refused upgrade or exhausted attempts. */
  error: (error: AuthError) => void;
}

/** Options after defaults and checks. */
export interface ResolvedChannelOptions extends Required<Omit<SessionChannelOptions, 'renewOnOpenSocket' | 'reconnect' | 'wsOptions'>> {
  reconnect: ReconnectOptions;
  renewOnOpenSocket: ((token: string) => OutgoingMessage) | undefined;
  wsOptions: Omit<ClientOptions, 'headers' | 'handshakeTimeout' | 'maxPayload'>;
}

export function resolveChannelOptions(options: SessionChannelOptions): ResolvedChannelOptions {
  if (options === null || typeof options !== 'object') throw invalid('options', 'must be an object');
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw invalid('url', 'must be an absolute ws:// or wss:// URL');
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw invalid('url', 'must be an absolute ws:// or wss:// URL');
  if (!isTokenSource(options.auth)) {
    throw invalid('auth', 'must be an AuthManager or another TokenSource (getAccessToken, getAuthHeaders, handleUnauthorized, on, off)');
  }
  if ((options.wsOptions as { followRedirects?: unknown } | undefined)?.followRedirects) {
    // ws keeps every header but Authorization and Cookie across a redirect: an API key would follow it anywhere.
    throw invalid('wsOptions.followRedirects', 'is not supported: credentials would follow the redirect to another host');
  }
  const SocketClass = options.WebSocket ?? (WebSocket as unknown as WebSocketConstructor);
  // In a browser (the browser build's socket says so): no upgrade headers, no ws pings.
  const inBrowser = (SocketClass as { browser?: unknown }).browser === true;
  if (inBrowser && (options.tokenTransport ?? 'header') === 'header') {
    throw invalid('tokenTransport', "'header' cannot work in a browser, which sets no headers on a WebSocket upgrade: use 'subprotocol' or 'query'");
  }
  const reconnect = { ...DEFAULT_RECONNECT, ...options.reconnect };
  for (const key of ['initialDelayMs', 'maxDelayMs', 'factor', 'maxAttempts', 'stableAfterMs'] as const) {
    if (typeof reconnect[key] !== 'number' || Number.isNaN(reconnect[key]) || reconnect[key] < 0) throw invalid(`reconnect.${key}`, 'must be a non-negative number');
  }
  return {
    url: options.url,
    auth: options.auth,
    tokenTransport: options.tokenTransport ?? 'header',
    reconnect,
    heartbeatMs: inBrowser ? 0 : count(options, 'heartbeatMs', 30_000),
    maxQueuedMessages: count(options, 'maxQueuedMessages', 1_000),
    queuedMessageTtlMs: count(options, 'queuedMessageTtlMs', 30_000),
    maxBufferedMessages: count(options, 'maxBufferedMessages', 10_000),
    classifyClose: options.classifyClose ?? defaultClassifyClose,
    renewOnOpenSocket: options.renewOnOpenSocket,
    protocols: options.protocols ?? [],
    headers: options.headers ?? {},
    connectTimeoutMs: count(options, 'connectTimeoutMs', 30_000),
    handshakeTimeoutMs: count(options, 'handshakeTimeoutMs', 10_000),
    maxPayload: count(options, 'maxPayload', 4 * 1024 * 1024),
    maxBufferedBytes: count(options, 'maxBufferedBytes', 16 * 1024 * 1024),
    closeTimeoutMs: count(options, 'closeTimeoutMs', 2_000),
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    timers: options.timers ?? systemTimers,
    WebSocket: SocketClass,
    wsOptions: options.wsOptions ?? {},
  };
}

function count(options: SessionChannelOptions, key: keyof SessionChannelOptions & string, fallback: number): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) throw invalid(key, 'must be a non-negative number');
  return value;
}

function invalid(key: string, problem: string): ConfigError {
  return invalidOption('SessionChannel', key, problem);
}
