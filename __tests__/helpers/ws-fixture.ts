import { AuthManager, type PasswordGrantOptions } from '../../lib';
import { SessionChannel, type SessionChannelEvents, type SessionChannelOptions } from '../../lib/ws';
import type { TokenAuthorityOptions } from '../../lib/testing/token-authority';
import { startTokenServer, type TokenServer } from './token-server';
import { startWsGateway, type WsGateway, type WsGatewayOptions } from './ws-gateway';

export interface WsFixture {
  tokens: TokenServer;
  gateway: WsGateway;
  /** A password-grant AuthManager on the fixture's token server. */
  manager(extra?: Partial<PasswordGrantOptions>): AuthManager;
  /** A channel on the gateway with quick reconnects; closed by `close()`. */
  channel(auth: SessionChannelOptions['auth'], extra?: Partial<SessionChannelOptions>): SessionChannel;
  close(): Promise<void>;
}

/** Token server + ws gateway + bookkeeping so that a test leaves nothing open. */
export async function startWsFixture(options: { tokens?: TokenAuthorityOptions; gateway?: Partial<WsGatewayOptions> } = {}): Promise<WsFixture> {
  const tokens = await startTokenServer(options.tokens);
  const gateway = await startWsGateway({ authority: tokens.authority, ...options.gateway });
  const channels: SessionChannel[] = [];
  const managers: AuthManager[] = [];
  return {
    tokens,
    gateway,
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
      await gateway.close();
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
