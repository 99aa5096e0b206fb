import { AuthManager, type PasswordGrantOptions } from '../../lib';
import { SessionChannel, type SessionChannelEvents, type SessionChannelOptions } from '../../lib/ws';
import { startTestGateway, startTokenServer, type StreamConnection, type TestGateway, type TokenServer } from '../../lib/testing';
import type { TokenAuthorityOptions } from '../../lib/testing/token-authority';

/** The stream side of the test gateway, as the ws tests drive it (one session's stream URL). */
export interface FixtureGateway {
  url: string;
  connections: StreamConnection[];
  received: unknown[];
  upgrades: number[];
  openConnections(): StreamConnection[];
  closeAll(code: number, reason?: string): void;
  refuseUpgrades(status: number, count?: number): void;
  closeNewConnections(code: number | undefined): void;
  silence(): void;
  broadcast(message: unknown): void;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface WsFixture {
  /** The token endpoint, a server of its own (it stays up when the gateway crashes). */
  tokens: TokenServer;
  gateway: FixtureGateway;
  /** The whole test gateway (lib/testing), for what the stream view does not show. */
  testGateway: TestGateway;
  /** A password-grant AuthManager on the fixture's token server. */
  manager(extra?: Partial<PasswordGrantOptions>): AuthManager;
  /** A channel on the gateway with quick reconnects; closed by `close()`. */
  channel(auth: SessionChannelOptions['auth'], extra?: Partial<SessionChannelOptions>): SessionChannel;
  close(): Promise<void>;
}

/** Token server + test gateway (lib/testing, one token side) + bookkeeping so that a test leaves nothing open. */
export async function startWsFixture(options: { tokens?: TokenAuthorityOptions; gateway?: { echo?: boolean } } = {}): Promise<WsFixture> {
  const tokens = await startTokenServer(options.tokens);
  const testGateway = await startTestGateway({ authority: tokens.authority, echo: options.gateway?.echo ?? true });
  const { streams } = testGateway;
  const gateway: FixtureGateway = {
    url: testGateway.streamUrl('fixture'),
    connections: streams.connections,
    received: streams.received,
    upgrades: streams.upgrades,
    openConnections: () => streams.openConnections(),
    closeAll: (code, reason) => streams.closeAll(code, reason),
    refuseUpgrades: (status, count) => streams.refuseUpgrades(status, count),
    closeNewConnections: (code) => streams.closeNewConnections(code),
    silence: () => streams.silence(),
    broadcast: (message) => streams.broadcast(message),
    stop: () => testGateway.stop(),
    start: () => testGateway.start(),
  };
  const channels: SessionChannel[] = [];
  const managers: AuthManager[] = [];
  return {
    tokens,
    gateway,
    testGateway,
    manager(extra = {}) {
      const auth = new AuthManager({ grant: 'password', tokenUrl: tokens.tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password', ...extra });
      managers.push(auth);
      return auth;
    },
    channel(auth, extra = {}) {
      const channel = new SessionChannel({ url: gateway.url, auth, heartbeatMs: 0, reconnect: { initialDelayMs: 10, maxDelayMs: 100, stableAfterMs: 200 }, ...extra });
      channels.push(channel);
      return channel;
    },
    async close() {
      await Promise.all(channels.map((channel) => channel.close()));
      for (const auth of managers) auth.close();
      await testGateway.close();
      await tokens.close();
    },
  };
}

/** Polls `predicate` every 10 ms; fails after `timeoutMs` (bounded in count and time). */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The next `event` of `channel`, with its arguments. */
export function nextEvent<K extends keyof SessionChannelEvents>(channel: SessionChannel, event: K): Promise<Parameters<SessionChannelEvents[K]>> {
  return new Promise((resolve) => {
    channel.once(event, ((...args: Parameters<SessionChannelEvents[K]>) => resolve(args)) as never);
  });
}
