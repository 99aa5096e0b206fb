import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBenchArgs, parseDuration } from '../../lib/cli/args';
import type { BenchResult as BenchSummary } from '../../lib/cli/result';
import { startTestGateway, type TestGateway } from '../../lib/testing';

// The command as users run it: the built CLI in a child process.
const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cjs/cli/main.js');

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, timeout: 60_000, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error('dist is missing: run `npm run build` (npm test does it first)');
});

describe('axios-ws-auth bench (child process)', () => {
  it('runs against the embedded gateway with refreshes during the run, and prints JSON', async () => {
    const { code, stdout } = await runCli(['bench', '--sessions', '4', '--messages', '400', '--concurrency', '2', '--token-ttl', '0.1', '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as BenchSummary;
    expect(summary.partial).toBe(false);
    expect(summary.sessions).toEqual({ requested: 4, created: 4, streamed: 4, failed: 0 });
    expect(summary.messages).toMatchObject({ sent: 1600, answered: 1600, lost: 0, inFlightAtStop: 0 });
    expect(summary.errors.count).toBe(0);
    expect(summary.auth.refreshes).toBeGreaterThanOrEqual(1); // a 100 ms token cannot last the run (1 600 round trips)
    // What the client counted is what the server saw (an upgrade may still meet a token that ran out
    // on its way at this lifetime: the channel then refreshes and reconnects, losing nothing).
    expect(summary.server!.tokenRequests).toBe(summary.auth.tokenRequests);
  });

  it('prints a readable summary table', async () => {
    const { code, stdout } = await runCli(['bench', '--sessions', '2', '--messages', '20']);
    expect(code).toBe(0);
    for (const row of ['sessions', 'messages', 'throughput', 'message latency', 'token requests', 'errors']) expect(stdout).toMatch(new RegExp(`^${row} +`, 'm'));
  });

  it('drives a gateway from --config, and exits non-zero on failures', async () => {
    const gateway: TestGateway = await startTestGateway();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'axios-ws-auth-cli-'));
    try {
      const config = (password: string) => `gateway:
  auth_type: jwt
  base_url: "${gateway.baseUrl}"
  jwt:
    auth_url: "${gateway.tokenUrl}"
    username: "user@example.com"
    password: "${password}"
    client_id: "benchmark-client"
    clientid: "typo"
`;
      writeFileSync(path.join(dir, 'good.yaml'), config('${BENCH_PASSWORD}'));
      const good = await runCli(['bench', '--config', path.join(dir, 'good.yaml'), '--sessions', '2', '--messages', '10', '--json'], { BENCH_PASSWORD: 'password' });
      expect(good.code).toBe(0);
      expect((JSON.parse(good.stdout) as BenchSummary).messages.answered).toBe(20);
      expect(gateway.stats().sessionsCreated).toBe(2);
      // The config's warnings come first, on stderr, with a hint.
      expect(good.stderr).toMatch(/warning: .*good\.yaml:9: gateway\.jwt\.clientid is not a known key; it was ignored \(did you mean client_id\?\)/);

      writeFileSync(path.join(dir, 'bad.yaml'), config('wrong-password-123'));
      const bad = await runCli(['bench', '--config', path.join(dir, 'bad.yaml'), '--sessions', '2', '--messages', '10', '--json']);
      expect(bad.code).toBe(1);
      const summary = JSON.parse(bad.stdout) as BenchSummary;
      // Said as it is: the run did not start (not "completed" with a failed refresh).
      expect(summary).toMatchObject({ authFailed: true, sessions: { created: 0 } });
      const table = await runCli(['bench', '--config', path.join(dir, 'bad.yaml'), '--sessions', '2', '--messages', '10']);
      expect(table.stdout).toMatch(/^run +did not start: the first authentication failed/m);
      expect(bad.stdout + bad.stderr).not.toContain('wrong-password-123');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await gateway.close();
    }
  });

  it('Ctrl-C stops the run cleanly with a partial summary and exit code 130', async () => {
    const child = spawn(process.execPath, [cli, 'bench', '--sessions', '50', '--messages', '1000000', '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const interrupt = setTimeout(() => child.kill('SIGINT'), 3000);
    const code = await exited;
    clearTimeout(interrupt);
    expect(code).toBe(130);
    const summary = JSON.parse(stdout) as BenchSummary;
    expect(summary.partial).toBe(true);
    expect(summary.messages.answered).toBeGreaterThan(0);
    const { sent, answered, lost, inFlightAtStop } = summary.messages;
    expect(answered + lost + inFlightAtStop).toBe(sent); // every message accounted for
    expect(summary.sessions.failed).toBe(0);
  });

  it('--version prints the version; a bare or unknown command prints a message and usage', async () => {
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version);
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('no command given');
    expect(bare.stderr).toContain('Usage: axios-ws-auth bench');
    const unknown = await runCli(['benhc']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command');
    expect(unknown.stderr).toContain('Usage: axios-ws-auth bench');
  });

  it('bad flags and a bad config get a message and usage, not a stack trace', async () => {
    const flag = await runCli(['bench', '--sessions', 'many']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--sessions must be a whole number');
    expect(flag.stderr).toContain('Usage: axios-ws-auth bench');
    expect(flag.stderr).not.toMatch(/\n\s+at /);

    const unknown = await runCli(['bench', '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--frobnicate');

    const missing = await runCli(['bench', '--config', path.join(os.tmpdir(), 'no-such-axios-ws-auth.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^axios-ws-auth: .*no-such-axios-ws-auth\.yaml/m);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('bench arguments', () => {
  it('parses durations and defaults', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('3')).toBe(3_000);
    expect(() => parseDuration('soon')).toThrow('--duration');
    expect(parseBenchArgs([])).toMatchObject({ sessions: 20, messages: 2000, tokenTtlSeconds: 1, concurrency: 10, json: false, config: undefined });
    expect(parseBenchArgs(['-h'])).toBe('help');
  });
});
