import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, type Browser, type Page } from 'puppeteer-core';

/** Flags for Debian's chromium on a closed network: no background traffic, no sandbox (root in CI). */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export interface TestBrowser {
  browser: Browser;
  /** A new tab, with its console and page errors collected. */
  newTab(): Promise<{ page: Page; console: string[]; errors: string[] }>;
  close(): Promise<void>;
}

/** Headless Chromium (the binary found by describeWith('chromium')), a fresh profile, closed with its profile. */
export async function launchChromium(executablePath: string): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'axios-ws-auth-chromium-'));
  const browser = await launch({ executablePath, headless: true, args: [...FLAGS, `--user-data-dir=${profile}`], protocolTimeout: 60_000 });
  return {
    browser,
    async newTab() {
      const page = await browser.newPage();
      const consoleLines: string[] = [];
      const errors: string[] = [];
      page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
      page.on('pageerror', (error) => errors.push(String(error)));
      return { page, console: consoleLines, errors };
    },
    async close() {
      await browser.close().catch(() => undefined);
      browser.process()?.kill('SIGKILL');
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
