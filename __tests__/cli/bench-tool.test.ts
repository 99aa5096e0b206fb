import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchResult } from '../../lib/cli/result';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cjs/cli/main.js');

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, timeout: 90_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
const json = async (args: string[]) => {
  const run = await runCli([...args, '--json']);
  return { ...run, result: JSON.parse(run.stdout) as BenchResult };
};

describe('axios-ws-auth bench as a load tool (child processes, embedded gateway)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'axios-ws-auth-tool-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--duration 3s sustains the load for 3 s, and the figures cover the whole time; every message is accounted for', async () => {
    const { code, result } = await json(['bench', '--duration', '3s', '--concurrency', '4']);
    expect(code).toBe(0);
    expect(result.durationMs).toBeGreaterThanOrEqual(3_000);
    const seconds = result.timeline.map((point) => point.second);
    expect(seconds.slice(0, 3)).toEqual([0, 1, 2]); // (a last point may hold the stop's own millisecond)
    expect(seconds.length).toBeLessThanOrEqual(4);
    expect(result.timeline.slice(0, 3).every((point) => point.answered > 0)).toBe(true);
    // The shape of the run (what --json and --out .json share).
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['version', 'options', 'machine', 'startedAt', 'finishedAt', 'durationMs', 'partial', 'messages', 'operations', 'timeline', 'token', 'thresholds']));
    expect(result.operations.message).toMatchObject({ count: result.messages.answered, errors: 0, histogram: expect.any(String) });
    expect(Object.keys(result.timeline[0]!).sort()).toEqual(['answered', 'errors', 'p50Ms', 'p99Ms', 'renewals', 'second', 'sent', 'tokenRequests']);
    expect(result.timeline.reduce((sum, point) => sum + point.tokenRequests, 0)).toBeGreaterThanOrEqual(1);
    expect(result.token.renewals).toBeGreaterThanOrEqual(1);
    expect(result.sessions.created).toBeGreaterThan(4); // sessions reopened as they finish (2000 messages each)
    const { sent, answered, lost, inFlightAtStop } = result.messages;
    expect(answered + lost + inFlightAtStop).toBe(sent);
    expect(result.auth.refreshes).toBeGreaterThanOrEqual(1); // 1 s tokens over 3 s
  }, 60_000);

  it('--rate 500 --duration 3s sends 1 500 messages ± 5 %', async () => {
    const { code, result } = await json(['bench', '--rate', '500', '--duration', '3s', '--concurrency', '5']);
    expect(code).toBe(0);
    expect(result.model).toBe('open');
    expect(result.messages.sent).toBeGreaterThanOrEqual(1_425);
    expect(result.messages.sent).toBeLessThanOrEqual(1_575);
  }, 60_000);

  it('a 500 ms stall of the gateway shows in the open model p99 (latency from the intended send time), and hides from the closed model p99', async () => {
    const [open, closed] = await Promise.all([
      json(['bench', '--rate', '400', '--duration', '3s', '--concurrency', '4', '--embedded-stall', '1s:500ms']),
      json(['bench', '--duration', '3s', '--concurrency', '4', '--embedded-stall', '1s:500ms']),
    ]);
    expect(open.result.operations.message.p99Ms).toBeGreaterThanOrEqual(300);
    expect(closed.result.operations.message.maxMs).toBeGreaterThanOrEqual(300); // the closed model saw it too, once per window…
    expect(closed.result.operations.message.p99Ms).toBeLessThan(open.result.operations.message.p99Ms / 2); // …but its p99 hides it
  }, 60_000);

  it('thresholds: each listed held or failed; one that fails gives exit 1', async () => {
    const held = await runCli(['bench', '--duration', '1s', '--concurrency', '2', '--threshold', 'lost == 0', '--threshold', 'message.p99 < 60000', '--threshold', 'p99<60s', '--threshold', 'errors==0']);
    expect(held.code).toBe(0);
    expect(held.stdout).toMatch(/threshold held +lost == 0 \(measured 0\)/);
    expect(held.stdout).toMatch(/threshold held +p99<60s/);
    const failed = await runCli(['bench', '--duration', '1s', '--concurrency', '2', '--threshold', 'rate > 100000000']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/threshold FAILED +rate > 100000000/);
    const bad = await runCli(['bench', '--threshold', 'p99 is small']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--threshold');
  }, 60_000);

  it('--workers 4 on 1 s tokens: one merged result, one token request per expiry at the server in total', async () => {
    const { code, result } = await json(['bench', '--workers', '4', '--duration', '3s', '--concurrency', '8', '--token-ttl', '1']);
    expect(code).toBe(0);
    expect(result.workers).toBe(4);
    expect(result.sessions.created).toBeGreaterThanOrEqual(8); // 8 at a time, reopened as they finish
    // 1 authentication + a refresh per expiry (3 s of 1 s tokens, plus the start-up), never one per worker.
    expect(result.server!.tokenRequests).toBeLessThanOrEqual(6);
    expect(result.auth.storeHits).toBeGreaterThanOrEqual(3);
    const { sent, answered, lost, inFlightAtStop } = result.messages;
    expect(answered + lost + inFlightAtStop).toBe(sent);
  }, 90_000);

  it('report merges runs exactly: the merged histogram counts are the sum of the runs', async () => {
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    await Promise.all([runCli(['bench', '--duration', '1s', '--concurrency', '2', '--out', a]), runCli(['bench', '--duration', '1s', '--concurrency', '2', '--out', b])]);
    const merged = path.join(dir, 'all.json');
    const report = await runCli(['report', a, b, '--out', merged, '--out', path.join(dir, 'all.html')]);
    expect(report.code).toBe(0);
    const [ra, rb, rm] = [a, b, merged].map((file) => JSON.parse(readFileSync(file, 'utf8')) as BenchResult);
    expect(rm!.operations.message.count).toBe(ra!.operations.message.count + rb!.operations.message.count);
    expect(rm!.messages.sent).toBe(ra!.messages.sent + rb!.messages.sent);
    expect(readFileSync(path.join(dir, 'all.html'), 'utf8')).toContain('new uPlot(');
  }, 60_000);
});
