import { appendFileSync, accessSync, constants } from 'node:fs';
import path from 'node:path';

/** The Debian packages some suites drive for real, and how a user gets them. */
const PACKAGES = {
  'redis-server': 'redis-server',
  chromium: 'chromium',
} as const;

export type RequiredBinary = keyof typeof PACKAGES;

/** Where a binary is on PATH, or undefined. */
export function findBinary(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * A `describe` for a suite that needs `binary`: the real one when it is
 * installed; otherwise the suite is skipped and recorded, so the run's
 * summary names it and says how to install the package (see
 * left-out-reporter.js). Under `AXIOS_WS_AUTH_REQUIRE_ALL_SUITES=1` (CI) a
 * missing binary fails the suite instead.
 */
export function describeWith(binary: RequiredBinary): { binaryPath: string; describe: jest.Describe } {
  const found = findBinary(binary);
  if (found) return { binaryPath: found, describe };
  const suite = path.relative(process.cwd(), expect.getState().testPath ?? 'unknown suite');
  if (process.env['AXIOS_WS_AUTH_REQUIRE_ALL_SUITES'] === '1') {
    throw new Error(`${suite} needs ${binary}, which is not installed (apt-get install -y ${PACKAGES[binary]}); CI runs every suite`);
  }
  const record = process.env['AXIOS_WS_AUTH_LEFT_OUT_FILE'];
  if (record) appendFileSync(record, `${JSON.stringify({ suite, binary, pkg: PACKAGES[binary] })}\n`);
  return { binaryPath: '', describe: describe.skip as unknown as jest.Describe };
}
