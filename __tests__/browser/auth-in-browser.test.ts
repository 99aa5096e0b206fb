import path from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'puppeteer-core';
import { startTestGateway, type TestGateway } from '../../lib/testing';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { describeWith } from '../support/requirements';

const { describe: withChromium, binaryPath } = describeWith('chromium');
const root = path.resolve(__dirname, '../..');

/** The page app bundled as a user's bundler would: the browser entry (with its swaps for Node's pieces) and axios's browser build. */
async function pageFiles(): Promise<Record<string, { type: string; body: string }>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { browserSwaps } = require(path.join(root, 'scripts/browser-build.cjs')) as { browserSwaps: (root: string) => NonNullable<Parameters<typeof build>[0]['plugins']>[number] };
  const bundle = await build({ entryPoints: [path.join(__dirname, 'fixtures/auth-app.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent', plugins: [browserSwaps(root)] });
  return {
    '/': { type: 'text/html', body: '<!doctype html><title>axios-ws-auth</title><script type="module" src="/app.js"></script>' },
    '/app.js': { type: 'text/javascript', body: bundle.outputFiles[0]!.text },
    '/favicon.ico': { type: 'image/x-icon', body: '' },
  };
}

type AuthApp = {
  login(): Promise<string>;
  requests(count: number): Promise<{ ok: number; failed: number; statuses: number[] }>;
  openChannel(): Promise<void>;
  opens(count: number): Promise<{ opens: number; distinctTokens: number; state: string }>;
  headerTransportError(): Promise<string>;
  metrics(): Promise<{ refreshes: number; tokenRequests: number }>;
  close(): Promise<void>;
};
/** Runs `call` in the page with its `authApp` (the function is sent as source text: keep it self-contained). */
const app = <T>(page: Page, call: (authApp: AuthApp) => Promise<T>) => page.evaluate(`(${call.toString()})(globalThis.authApp)`) as Promise<T>;

withChromium('the browser entry in headless Chromium', () => {
  let chromium: TestBrowser;
  let files: Record<string, { type: string; body: string }>;
  let gateway: TestGateway | undefined;
  beforeAll(async () => {
    files = await pageFiles();
    chromium = await launchChromium(binaryPath);
  }, 60_000);
  afterAll(() => chromium?.close());
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  async function openTab(query = '') {
    const tab = await chromium.newTab();
    await tab.page.goto(`${gateway!.baseUrl}/?${query}`);
    await tab.page.waitForFunction(() => (globalThis as unknown as { authApp?: { ready: boolean } }).authApp?.ready === true);
    return tab;
  }

  it.each(['xhr', 'fetch'])('one tab (%s adapter): 200 concurrent requests on an expired token → 1 token request, all 200; the channel reconnects after 4401 with a fresh token by subprotocol', async (adapter) => {
    gateway = await startTestGateway({ files, rotateRefreshTokens: true, detectReuse: true });
    const tab = await openTab(`adapter=${adapter}`);
    await app(tab.page, (authApp) => authApp.login());
    await app(tab.page, (authApp) => authApp.openChannel());
    const before = gateway.authority.stats().tokenRequests;
    gateway.expireAccessTokens(); // HTTP answers 401 from now on, and the open stream closes with 4401
    const result = await app(tab.page, (authApp) => authApp.requests(200));
    expect(result).toEqual({ ok: 200, failed: 0, statuses: [200] });
    const channel = await app(tab.page, (authApp) => authApp.opens(2));
    expect(channel).toEqual({ opens: 2, distinctTokens: 2, state: 'open' });
    expect(gateway.authority.stats().tokenRequests - before).toBe(1);
    expect(gateway.stats().ws.closed['4401']).toBe(1);
    expect(await app(tab.page, (authApp) => authApp.headerTransportError())).toMatch(/^INVALID_OPTIONS: .*tokenTransport.*'header' cannot work in a browser/);
    await app(tab.page, (authApp) => authApp.close());
    expect(tab.errors).toEqual([]);
    for (const line of tab.console) expect(line).not.toMatch(/password|eyJ[\w-]+\.eyJ|rt_[0-9a-f]{8}/);
    await tab.page.close();
  }, 60_000);

  it('autoRefresh in a tab: the token is renewed before expiry with no request waiting', async () => {
    gateway = await startTestGateway({ files, accessTokenTtlSeconds: 1 });
    const tab = await openTab('autoRefresh=1');
    await app(tab.page, (authApp) => authApp.login());
    await tab.page.waitForFunction(() => (globalThis as unknown as { authApp: { metrics(): { refreshes: number } } }).authApp.metrics().refreshes >= 2, { timeout: 10_000 });
    expect(gateway.authority.stats().grants.refresh_token).toBeGreaterThanOrEqual(2);
    await app(tab.page, (authApp) => authApp.close());
    expect(tab.errors).toEqual([]);
    await tab.page.close();
  }, 30_000);

  it('4 tabs, one identity, BrowserTokenStore, reuse detection: 1 token request per expiry across all tabs, 0 revoked, 0 failed', async () => {
    gateway = await startTestGateway({ files, rotateRefreshTokens: true, detectReuse: true, tokenLatencyMs: 50 });
    const tabs = await Promise.all(Array.from({ length: 4 }, () => openTab('store=browser&name=four-tabs')));
    await app(tabs[0]!.page, (authApp) => authApp.login());
    const perExpiry: number[] = [];
    let failed = 0;
    for (let expiry = 0; expiry < 6; expiry++) {
      const before = gateway.authority.stats().tokenRequests;
      gateway.expireAccessTokens();
      const results = await Promise.all(tabs.map(({ page }) => app(page, (authApp) => authApp.requests(25))));
      failed += results.reduce((sum, result) => sum + result.failed, 0);
      perExpiry.push(gateway.authority.stats().tokenRequests - before);
    }
    const stats = gateway.authority.stats();
    console.log(`[browser] 4 tabs: token requests per expiry ${JSON.stringify(perExpiry)}, revoked ${stats.revokedGrants}, reuses ${stats.reuses}, failed ${failed}`);
    expect(perExpiry).toEqual([1, 1, 1, 1, 1, 1]);
    expect(stats.revokedGrants).toBe(0);
    expect(failed).toBe(0);
    for (const tab of tabs) {
      await app(tab.page, (authApp) => authApp.close());
      expect(tab.errors).toEqual([]);
      for (const line of tab.console) expect(line).not.toMatch(/password|eyJ[\w-]+\.eyJ|rt_[0-9a-f]{8}/);
      await tab.page.close();
    }
  }, 90_000);
});
