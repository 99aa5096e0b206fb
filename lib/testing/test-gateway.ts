import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayState, type SessionStats, type TestGatewayStats } from './gateway-state';
import { Discovery, DISCOVERY_PATHS, type DiscoveryOptions } from './discovery';
import { createHttpHandler } from './http-routes';
import { compilePath, defaultPaths, type TestGatewayPaths } from './routes';
import { TokenAuthority, type TokenAuthorityOptions } from './token-authority';
import { closeServer, listen } from './http-server';
import { StreamControls } from './stream-controls';
import { StreamServer } from './ws-streams';

/**
 * Options of `startTestGateway()`. Token options (`users`, `clients`,
 * `clientKeys`, `accessTokenTtlSeconds`, `rotateRefreshTokens`,
 * `tokenLatencyMs`, `sendExpiresIn`, `detectReuse`, `device`, `dpop`) go to
 * its `TokenAuthority`; `dpop` also rules the resource routes and the stream upgrade.
 */
export interface TestGatewayOptions extends TokenAuthorityOptions {
  /** API key → subject it authenticates as. Default `{ 'test-api-key': 'api-client' }`. */
  apiKeys?: Record<string, string>;
  /** Header carrying an API key. Default `X-API-Key`. */
  apiKeyHeader?: string;
  /** Override some or all paths. */
  paths?: Partial<TestGatewayPaths>;
  /**
   * Refuse (404) a stream for a session id that was never created. Default
   * false: an unknown id is adopted by the first subject that connects, so a
   * channel test needs no `createSession` first.
   */
  strictSessions?: boolean;
  /** Static files by path (`{ '/': { type: 'text/html', body } }`), served on GET without credentials: a test page on the gateway's own origin. */
  files?: Record<string, { type: string; body: string }>;
  /** Keep every stream message in `streams.received` (and on its connection). Default true; a long load run turns it off. */
  recordMessages?: boolean;
  /** How long an idle keep-alive socket stays open, ms. Default 1 000 (close() never waits long); a load run that pauses between phases wants more, or the server closes a pooled socket just as the client reuses it. */
  keepAliveTimeoutMs?: number;
  /** Echo each stream message back as `{type:'echo', seq, data}`. Default true. */
  echo?: boolean;
  /** The metadata documents (`/.well-known/openid-configuration` and `/.well-known/oauth-authorization-server`): another issuer, or one of them left out (404). */
  discovery?: DiscoveryOptions;
  /** A token side shared with another server (a token endpoint of its own, say); default a new one from the token options. */
  authority?: TokenAuthority;
}

/** A running test gateway; made for `beforeAll`/`afterAll` (or `beforeEach`/`afterEach`). */
export interface TestGateway {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  /** `ws://127.0.0.1:<port>` */
  wsUrl: string;
  /** The issuer its metadata announces: `baseUrl` unless `options.discovery.issuer` says otherwise. */
  issuer: string;
  /** `<baseUrl>/.well-known/openid-configuration` (`/.well-known/oauth-authorization-server` serves the same metadata). */
  discoveryUrl: string;
  /** The token endpoint's absolute URL. */
  tokenUrl: string;
  /** The revocation endpoint's absolute URL (RFC 7009). */
  revocationUrl: string;
  /** The device authorization endpoint's absolute URL (RFC 8628). */
  deviceAuthorizationUrl: string;
  /** The paths in use (defaults merged with `options.paths`). */
  paths: TestGatewayPaths;
  /** The token side, for `check(token)`, `inspect(token)` and direct control. */
  authority: TokenAuthority;
  /** A snapshot of every counter. */
  stats(): TestGatewayStats;
  /** One session's counters (`undefined` for an unknown id). */
  sessionStats(sessionId: string): SessionStats | undefined;
  /** Every access token expires now: HTTP answers 401, open streams close with 4401. */
  expireAccessTokens(): void;
  /** Every refresh token is rejected from now on (`invalid_grant`). */
  revokeRefreshTokens(): void;
  /** The next `count` token requests fail with `status` (default 503). */
  failTokenRequests(count: number, status?: number): void;
  /** The next `count` requests for either metadata document answer 503. */
  failDiscovery(count: number): void;
  /** The DPoP nonce proofs must carry now (with `dpop.nonce`; the token endpoint and the resource routes share it). */
  dpopNonce(): string;
  /** A new DPoP nonce: proofs with the old one get `use_dpop_nonce` from now on. Returns it. */
  rotateDpopNonce(): string;
  /** The user approves the device code shown as `userCode` (as `username`, default the first user); false if no pending code matches. */
  approveDevice(userCode: string, username?: string): boolean;
  /** The user refuses the device code: its polls answer `access_denied`. False if no pending code matches. */
  denyDevice(userCode: string): boolean;
  /** Every device code handed out so far expires: its polls answer `expired_token`. */
  expireDeviceCodes(): void;
  /** The next `count` device code polls answer `slow_down`, whatever their timing (the enforced interval is not raised). */
  slowDownNext(count: number): void;
  /** Closes every open stream with `code`, or drops it without a close frame (1006 at the client). Returns how many. */
  dropConnections(code?: number): number;
  /** Streams of this session close with 4403; its upgrades and metrics answer 403 from now on. */
  forbidSession(sessionId: string): void;
  /** The stream side as a test sees it: upgrades, connections, messages, and its fault switches. */
  streams: StreamControls;
  /** The stream URL of a session, e.g. `ws://127.0.0.1:PORT/api/v1/sessions/<id>/stream`. */
  streamUrl(sessionId: string): string;
  /** A crash: cuts every connection without a close frame and stops listening (the port is kept for `start()`). */
  stop(): Promise<void>;
  /** Listens again on the same port after `stop()`. */
  start(): Promise<void>;
  /** Closes every socket, timer and server. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts a real HTTP + WebSocket + OAuth2 token server on 127.0.0.1, port 0,
 * serving the gateway protocol of docs/gateway-protocol.md. Credentials are accepted as
 * `Authorization: Bearer`, `Authorization: DPoP` with a `DPoP` proof (RFC 9449),
 * the API-key header, and on WebSocket upgrades also as the `access_token`
 * query parameter or the subprotocol pair `access_token, <token>` (or
 * `bearer, <token>`). Beside the token endpoint: revocation (RFC 7009), device
 * authorization (RFC 8628), and the metadata under `/.well-known/` (RFC 8414).
 */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const authority = options.authority ?? new TokenAuthority(options);
  const apiKeyHeader = (options.apiKeyHeader ?? 'X-API-Key').toLowerCase();
  const state = new GatewayState(authority, options.apiKeys ?? { 'test-api-key': 'api-client' }, apiKeyHeader);
  const paths: TestGatewayPaths = { ...defaultPaths, ...options.paths };
  const stream = compilePath(paths.stream);
  // Known once the server listens; read only by closures called after that.
  let wsUrl = '';
  let baseUrl = '';
  const streams = new StreamServer(state, stream, options.strictSessions ?? false, new StreamControls(options.echo ?? true, options.recordMessages ?? true), () => [baseUrl]);
  // Tokens that die early (a test expired them, a reuse revoked the grant) close their streams with 4401 at once.
  const unsubscribe = authority.onTokensExpired(() => streams.closeExpired());

  const discovery = new Discovery(options.discovery ?? {}, () => ({
    baseUrl,
    tokenEndpoint: `${baseUrl}${paths.token}`,
    revocationEndpoint: `${baseUrl}${paths.revoke}`,
    deviceAuthorizationEndpoint: `${baseUrl}${paths.deviceAuthorization}`,
  }));
  const server = http.createServer(
    createHttpHandler(state, {
      sessions: compilePath(paths.sessions),
      sessionMetrics: compilePath(paths.sessionMetrics),
      health: compilePath(paths.health),
      token: compilePath(paths.token),
      revoke: compilePath(paths.revoke),
      deviceAuthorization: compilePath(paths.deviceAuthorization),
      device: compilePath(paths.device),
      context: () => ({ origins: [baseUrl], verificationUri: `${baseUrl}${paths.device}`, issuer: discovery.issuer(), tokenUrl: `${baseUrl}${paths.token}` }),
      discovery,
      ...(options.files && { files: options.files }),
      // A plain host[:port] from the request keeps the client's own origin (its ws_url origin check compares them).
      streamUrl: (sessionId, host) => `${host !== undefined && /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host) ? `ws://${host}` : wsUrl}${stream.build(sessionId)}`,
    }),
  );
  // Idle keep-alive sockets would otherwise hold close() for the default 5 s (closeServer cuts them anyway).
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 1000;
  server.on('upgrade', (request, socket, head) => streams.handleUpgrade(request, socket, head));
  server.on('clientError', (_error, socket) => socket.destroy());

  await listen(server, 0);
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  wsUrl = `ws://127.0.0.1:${port}`;

  let closing: Promise<void> | undefined;
  return {
    baseUrl,
    wsUrl,
    issuer: discovery.issuer(),
    discoveryUrl: `${baseUrl}${DISCOVERY_PATHS['openid-configuration']}`,
    tokenUrl: `${baseUrl}${paths.token}`,
    revocationUrl: `${baseUrl}${paths.revoke}`,
    deviceAuthorizationUrl: `${baseUrl}${paths.deviceAuthorization}`,
    paths,
    authority,
    stats: () => ({ ...state.stats(), discovery: discovery.stats() }),
    sessionStats: (sessionId) => state.session(sessionId),
    expireAccessTokens: () => authority.expireAccessTokens(),
    revokeRefreshTokens: () => authority.revokeRefreshTokens(),
    failTokenRequests: (count, status) => authority.failTokenRequests(count, status),
    failDiscovery: (count) => discovery.failNext(count),
    dpopNonce: () => authority.dpop.nonce,
    rotateDpopNonce: () => authority.rotateDpopNonce(),
    approveDevice: (userCode, username) => authority.approveDevice(userCode, username),
    denyDevice: (userCode) => authority.denyDevice(userCode),
    expireDeviceCodes: () => authority.expireDeviceCodes(),
    slowDownNext: (count) => authority.slowDownNext(count),
    dropConnections: (code) => streams.drop(code),
    streams: streams.controls,
    streamUrl: (sessionId) => `${wsUrl}${stream.build(sessionId)}`,
    stop: () => (streams.drop(undefined), closeServer(server)),
    start: () => (server.listening ? Promise.resolve() : listen(server, port)),
    forbidSession(sessionId) {
      state.forbid(sessionId);
      streams.closeSession(sessionId);
    },
    close() {
      closing ??= (async () => {
        unsubscribe();
        if (!options.authority) authority.close(); // a shared token side is its owner's to close
        const serverClosed = closeServer(server);
        await streams.close();
        await serverClosed;
      })();
      return closing;
    },
  };
}
