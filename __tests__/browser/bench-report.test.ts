/// <reference lib="dom" />
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { describeWith } from '../support/requirements';

const { describe: withChromium, binaryPath } = describeWith('chromium');
const root = path.resolve(__dirname, '../..');
const artifacts = path.join(root, '.tmp');

withChromium('the bench HTML report in headless Chromium', () => {
  let chromium: TestBrowser;
  beforeAll(async () => {
    chromium = await launchChromium(binaryPath);
  }, 60_000);
  afterAll(() => chromium?.close());

  it('opens with no console error and every chart drawn; a screenshot is kept under .tmp/', async () => {
    mkdirSync(artifacts, { recursive: true });
    const report = path.join(artifacts, 'bench-report.html');
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, [path.join(root, 'dist/cjs/cli/main.js'), 'bench', '--duration', '3s', '--concurrency', '4', '--rate', '600', '--out', report], { cwd: root, timeout: 60_000 }, (error) => (error ? reject(error) : resolve()));
    });
    const tab = await chromium.newTab();
    const requests: string[] = [];
    tab.page.on('request', (request) => requests.push(request.url()));
    await tab.page.setViewport({ width: 1100, height: 1400 });
    await tab.page.goto(pathToFileURL(report).href);
    await tab.page.waitForFunction(() => document.querySelectorAll('canvas').length >= 4);
    // Every chart has pixels on its canvas (not a blank one).
    const drawn = await tab.page.evaluate(() =>
      [...document.querySelectorAll('canvas')].map((canvas) => {
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let inked = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) inked++;
        return inked;
      }),
    );
    expect(drawn.length).toBeGreaterThanOrEqual(4);
    expect(drawn.every((inked) => inked > 100)).toBe(true);
    expect(tab.errors).toEqual([]);
    expect(tab.console.filter((line) => line.startsWith('error'))).toEqual([]);
    expect(requests.filter((url) => !url.startsWith('file:'))).toEqual([]); // no network
    await tab.page.screenshot({ path: path.join(artifacts, 'bench-report.png'), fullPage: true });
    // The charts alone, small (the README's picture is made from this one).
    await tab.page.setViewport({ width: 1100, height: 1400, deviceScaleFactor: 0.6 });
    await tab.page.screenshot({ path: path.join(artifacts, 'bench-report-charts.png'), clip: { x: 0, y: 0, width: 1100, height: 640 } });
    await tab.page.close();
  }, 90_000);
});
