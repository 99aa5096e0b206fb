import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

/** Lints `source` as if it were the file at `filePath` (nothing is written), with the repo's own config. */
function lint(filePath: string, source: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--stdin', '--stdin-filename', filePath], { cwd: root, input: source, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

// The layout is the architecture: the lint zones keep it so (docs/architecture.md).
describe('dependency direction, enforced by eslint import zones', () => {
  it.each([
    ['lib/auth/probe.ts', "import { attachAuth } from '../http/attach-auth';\nexport const x = attachAuth;\n", 'auth/ depends on nothing but errors'],
    ['lib/auth/probe.ts', "import { parseConfig } from '../config/parse-config';\nexport const x = parseConfig;\n", 'auth/ depends on nothing but errors'],
    ['lib/auth/probe.ts', "import fs from 'node:fs';\nexport const x = fs;\n", 'no Node built-in'],
    ['lib/ws/probe.ts', "import { attachAuth } from '../http/attach-auth';\nexport const x = attachAuth;\n", 'ws/ depends on auth and errors only'],
    ['lib/gateway/probe.ts', "import { startTestGateway } from '../testing';\nexport const x = startTestGateway;\n", 'never on the test kit'],
    ['bench/probe.mjs', "import lib from '../dist/cjs/index.js';\nexport const x = lib;\n", 'not dist internals'],
  ])('%s: a wrong-way import fails the lint', (filePath, source, message) => {
    const { status, output } = lint(filePath, source);
    expect(status).toBe(1);
    expect(output).toContain(message);
  });

  it('the right way passes: auth → errors, http → auth', () => {
    expect(lint('lib/auth/probe.ts', "import { AuthError } from '../errors';\nexport const x = AuthError;\n").status).toBe(0);
    expect(lint('lib/http/probe.ts', "import { fingerprint } from '../auth/token-set';\nexport const x = fingerprint;\n").status).toBe(0);
  });
});
