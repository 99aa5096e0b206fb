import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { describeWith } from '../support/requirements';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startPageServer, type PageServer } from './page-server';

const { describe: withChromium, binaryPath } = describeWith('chromium');

/** A token server's refresh grant with rotation and reuse detection, reduced to what the store test needs. */
function rotatingGrant() {
  let generation = 0;
  let current: string | null = null;
  const rotatedOut = new Set<string>();
  const counts = { rotations: 0, grants: 0, reuses: 0 };
  const route = (body: unknown) => {
    const presented = (body as { refreshToken: string | null }).refreshToken;
    if (presented !== null && rotatedOut.has(presented)) {
      counts.reuses++;
      current = null; // the whole grant is revoked
      return { status: 400, json: { error: 'invalid_grant' } };
    }
    if (presented !== null && presented !== current) return { status: 400, json: { error: 'invalid_grant' } };
    if (presented === null) counts.grants++;
    else {
      counts.rotations++;
      rotatedOut.add(presented);
    }
    current = `refresh-${++generation}`;
    return { status: 200, json: { access: `access-${generation}`, refresh: current } };
  };
  return { route, counts };
}

type StoreApp = { rotateTo(round: number, useLock: boolean): Promise<string>; holdLockForever(): Promise<void> };

withChromium('BrowserTokenStore in headless Chromium, several tabs of one origin', () => {
  let chromium: TestBrowser;
  let server: PageServer;
  let grant: ReturnType<typeof rotatingGrant>;

  beforeAll(async () => {
    grant = rotatingGrant();
    server = await startPageServer(path.join(__dirname, 'fixtures/store-app.ts'), { '/rotate': (body) => grant.route(body) });
    chromium = await launchChromium(binaryPath);
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await server?.close();
  });

  async function openTabs(count: number, query: string): Promise<Array<{ page: Page; errors: string[] }>> {
    return Promise.all(
      Array.from({ length: count }, async () => {
        const tab = await chromium.newTab();
        await tab.page.goto(`${server.origin}/?${query}`);
        await tab.page.waitForFunction(() => (globalThis as unknown as { storeApp?: { ready: boolean } }).storeApp?.ready === true);
        return tab;
      }),
    );
  }
  const rotateAll = (tabs: Array<{ page: Page }>, round: number, useLock: boolean) =>
    Promise.all(tabs.map(({ page }) => page.evaluate((r, locked) => (globalThis as unknown as { storeApp: StoreApp }).storeApp.rotateTo(r, locked), round, useLock)));

  it.each(['local', 'memory', 'session'])('storage %s: 4 tabs, 8 expiries, the lock → one rotation per expiry, no reuse', async (storage) => {
    const tabs = await openTabs(4, `storage=${storage}&name=locked-${storage}`);
    const before = { ...grant.counts };
    await rotateAll(tabs.slice(0, 1), 1, true); // the first grant
    for (let round = 2; round <= 9; round++) {
      const outcomes = await rotateAll(tabs, round, true);
      expect(outcomes.filter((outcome) => outcome === 'rotated')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'refused')).toHaveLength(0);
    }
    expect(grant.counts.rotations - before.rotations).toBe(8);
    expect(grant.counts.reuses - before.reuses).toBe(0);
    expect(tabs.flatMap((tab) => tab.errors)).toEqual([]);
    await Promise.all(tabs.map(({ page }) => page.close()));
  }, 60_000);

  it('without the lock the same tabs present rotated-out refresh tokens (the lock is what matters)', async () => {
    const tabs = await openTabs(4, 'storage=local&name=unlocked');
    const before = { ...grant.counts };
    await rotateAll(tabs.slice(0, 1), 1, false);
    for (let round = 2; round <= 9; round++) await rotateAll(tabs, round, false);
    expect(grant.counts.reuses - before.reuses).toBeGreaterThan(0);
    await Promise.all(tabs.map(({ page }) => page.close()));
  }, 60_000);

  it('a tab closed while it holds the lock does not stall the others', async () => {
    const [holder, ...others] = await openTabs(3, 'storage=local&name=closed-holder');
    await rotateAll([others[0]!], 1, true);
    await holder!.page.evaluate(() => (globalThis as unknown as { storeApp: StoreApp }).storeApp.holdLockForever());
    const pending = rotateAll(others, 2, true);
    await holder!.page.close();
    const outcomes = await pending;
    expect(outcomes.sort()).toEqual(['adopted', 'rotated']);
    await Promise.all(others.map(({ page }) => page.close()));
  }, 60_000);
});
