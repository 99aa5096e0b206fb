import type { ReconnectingEvent } from '../../lib/ws';
import { startWsFixture, type WsFixture } from '../helpers/ws-fixture';

// DESIGN §7: channels closed right after every open, even when another channel refreshed meanwhile, stay on backoff.
describe('a server that closes every new connection right after open (200 channels, one manager)', () => {
  let fx: WsFixture;
  afterEach(() => fx.close());

  /** A source whose every refusal gets a new (valid) token at once: each close follows another channel's refresh. */
  const generousSource = (manager: ReturnType<WsFixture['manager']>) => ({
    getAccessToken: () => manager.getAccessToken(),
    getAuthHeaders: () => manager.getAuthHeaders(),
    handleUnauthorized: async () => void (await manager.refreshAccessToken()),
    on: () => undefined,
    off: () => undefined,
  });

  it.each([
    [4401, 'the AuthManager'],
    [1008, 'the AuthManager'],
    [4401, 'a source that always has a new token'],
  ])('close %i, %s: after the first refusal every reconnect waits a backoff delay; connections and token requests stay bounded', async (code, source) => {
    fx = await startWsFixture();
    const auth = source === 'the AuthManager' ? fx.manager() : generousSource(fx.manager());
    const reconnect = { initialDelayMs: 50, maxDelayMs: 400, factor: 2, maxAttempts: 6, stableAfterMs: 10_000 };
    const channels = Array.from({ length: 200 }, () => fx.channel(auth, { reconnect, random: () => 0.5 }));
    const drops = channels.map(() => [] as ReconnectingEvent[]);
    channels.forEach((channel, n) => channel.on('reconnecting', (event) => drops[n]!.push(event)));
    await Promise.all(channels.map((channel) => channel.connect()));
    const upgradesBefore = fx.gateway.upgrades.length;
    const ended = Promise.all(channels.map((channel) => new Promise((resolve) => channel.once('close', resolve))));
    for (const channel of channels) channel.on('error', () => undefined); // each gives up after maxAttempts, as expected
    fx.gateway.closeNewConnections(code);
    fx.gateway.closeAll(code);
    await ended;

    for (const events of drops) {
      expect(events.map((event) => event.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(events[0]!.delayMs).toBe(0); // the first refusal since a stable connection: at once
      expect(events.slice(1).every((event) => event.delayMs > 0)).toBe(true);
    }
    // At most one dial per attempt per channel, and the refreshes are shared (and backed off) by the one manager.
    expect(fx.gateway.upgrades.length - upgradesBefore).toBeLessThanOrEqual(200 * 6);
    if (source === 'the AuthManager') expect(fx.tokens.authority.stats().tokenRequests).toBeLessThanOrEqual(3);
  }, 30_000);
});
