import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Runs the fixture suite in a child jest whose PATH holds node and nothing else. */
function runWithoutPackages(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'axios-ws-auth-path-'));
  symlinkSync(process.execPath, path.join(bin, 'node'));
  const jest = require.resolve('jest/bin/jest');
  const args = [jest, '--rootDir', path.resolve(__dirname, '..'), '--roots', '<rootDir>/__tests__/support/fixtures', '--testMatch', '**/*.fixture.ts', '--ci'];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env: { ...process.env, PATH: bin, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      rmSync(bin, { recursive: true, force: true });
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe('suites that need a Debian package', () => {
  it('are left out on a machine without it, named, with the install command', async () => {
    const { code, output } = await runWithoutPackages({ AXIOS_WS_AUTH_REQUIRE_ALL_SUITES: '' });
    expect(code).toBe(0);
    expect(output).toContain('chromium not found — left out: __tests__/support/fixtures/needs-chromium.fixture.ts');
    expect(output).toContain('sudo apt-get install -y chromium');
  });

  it('fail the run when CI requires every suite', async () => {
    const { code, output } = await runWithoutPackages({ AXIOS_WS_AUTH_REQUIRE_ALL_SUITES: '1' });
    expect(code).not.toBe(0);
    expect(output).toContain('needs chromium, which is not installed');
  });
});
