import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

// The package as users consume it: the built output, by name, from CommonJS and ESM.
const root = path.resolve(__dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const run = (file: string, args: string[]) => execFileSync(file, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist/cjs/index.js'))) run(process.execPath, ['scripts/build.mjs']);
}, 120_000);

const entries = ['axios-ws-auth', 'axios-ws-auth/testing', 'axios-ws-auth/redis'];
const landmark: Record<string, string> = { 'axios-ws-auth': 'AuthManager', 'axios-ws-auth/testing': 'startTestGateway', 'axios-ws-auth/redis': 'RedisTokenStore' };

describe('the built package', () => {
  it.each(entries)('%s: require and import expose the same classes', (entry) => {
    const script = `
      import * as esm from '${entry}';
      import { createRequire } from 'node:module';
      const cjs = createRequire(import.meta.url)('${entry}');
      const esmNames = Object.keys(esm).sort();
      const cjsNames = Object.keys(cjs).filter((n) => n !== '__esModule').sort();
      const same = esmNames.every((n) => esm[n] === cjs[n]);
      console.log(JSON.stringify({ esmNames, cjsNames, same }));
    `;
    const result = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script])) as { esmNames: string[]; cjsNames: string[]; same: boolean };
    expect(result.esmNames).toEqual(result.cjsNames);
    expect(result.esmNames).toContain(landmark[entry]);
    expect(result.same).toBe(true); // one copy of each class: instanceof works across module systems
  });

  it('no declaration file names jose (an ES module a node16 CommonJS consumer cannot resolve)', () => {
    const offenders = readdirSync(path.join(root, 'dist'), { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.d\.(c|m)?ts$/.test(file) && /from ['"]jose['"]|import\(['"]jose['"]\)/.test(readFileSync(path.join(root, 'dist', file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('a signing feature works from the CommonJS build (Node ≥ 20.19 requires jose natively)', () => {
    const script = `
      const { AuthManager } = require('axios-ws-auth');
      const auth = new AuthManager({ grant: 'client_credentials', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'c', clientSecret: 's'.repeat(32), clientAuth: 'client_secret_jwt', dpop: true });
      auth.getAuthHeaders({ method: 'GET', url: 'http://127.0.0.1:9/' }).catch((e) => console.log(e.code));
    `;
    expect(run(process.execPath, ['-e', script]).trim()).toBe('TOKEN_ENDPOINT_UNREACHABLE');
  });

  it('publint finds nothing to fix', () => {
    const output = run(bin('publint'), ['--strict']);
    expect(output).not.toMatch(/Errors:|Warnings:|Suggestions:/);
  }, 60_000);

  it('@arethetypeswrong/cli finds no problem in any resolution mode', () => {
    const report = JSON.parse(run(bin('attw'), ['--pack', '.', '--format', 'json'])) as { problems?: unknown };
    expect(report).toHaveProperty('problems');
    const problems = Array.isArray(report.problems) ? report.problems : Object.values(report.problems ?? {}).flat();
    expect(problems).toEqual([]);
  }, 120_000);
});
