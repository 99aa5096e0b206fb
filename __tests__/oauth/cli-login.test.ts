import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuthManager, loadConfig } from '../../lib';
import type { OidcProvider } from '../support/oidc/start-provider';
import { useOidcProvider } from '../support/oidc/use-provider';

// `axios-ws-auth login` as a user runs it (the built CLI, a real process): it prints the code and the
// URL, the test plays the user on oidc-provider's pages, and the tokens land in the config's token_cache.

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cjs/cli/main.js');
const harness = useOidcProvider();
let op: OidcProvider;
let dir: string;
let configFile: string;
let cacheFile: string;

beforeAll(() => {
  op = harness.provider();
  if (!existsSync(cli)) throw new Error('build first (npm test does): dist/cjs/cli/main.js is missing');
  dir = mkdtempSync(path.join(os.tmpdir(), 'axios-ws-auth-login-'));
  configFile = path.join(dir, 'gateway.yaml');
  cacheFile = path.join(dir, 'tokens.json');
  writeFileSync(
    configFile,
    ['gateway:', '  auth_type: jwt', `  token_cache: ${cacheFile}`, '  jwt:', `    issuer: ${op.issuer}`, '    grant_type: device_code', '    client_id: device-client', `    scope: openid ${op.scope}`, `    resource: ${op.resource}`, ''].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI; `onStdout` sees its output as it comes. Bounded: killed after 20 s. */
function run(args: string[], onStdout: (text: string) => void = () => undefined): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => onStdout((stdout += chunk)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('axios-ws-auth login / logout', () => {
  it('login prints the code and URL, waits for the user, and caches the tokens; a later manager uses them without asking anyone', async () => {
    let approved: Promise<void> | undefined;
    const { code, stdout, stderr } = await run(['login', '--config', configFile], (text) => {
      const url = /Or open (\S+) \(the code is filled in\)/.exec(text)?.[1];
      if (url && !approved) approved = op.approveDevice(url);
    });
    await approved;
    expect(code).toBe(0);
    expect(stdout).toMatch(/To sign in, open http:\/\/127\.0\.0\.1:\d+\/device and enter the code:\n\n {4}\S+/);
    expect(stderr).toContain(`logged in; tokens cached in ${cacheFile}`);
    expect(statSync(cacheFile).mode & 0o777).toBe(0o600);
    const cached = readFileSync(cacheFile, 'utf8');
    // Nothing the CLI printed is a token.
    const tokens = [...cached.matchAll(/"(?:accessToken|refreshToken)":\s*"([^"]+)"/g)].map((match) => match[1]!);
    expect(tokens).toHaveLength(2);
    for (const token of tokens) expect(stdout + stderr).not.toContain(token);

    const before = (await op.stats()).provider.deviceAuthorization.requests;
    const auth = harness.track(AuthManager.fromConfig(await loadConfig(configFile), { onUserCode: () => expect('no prompt').toBe('needed') }));
    await auth.getAccessToken();
    expect(auth.metrics()).toMatchObject({ storeHits: 1, tokenRequests: 0 });
    expect((await op.stats()).provider.deviceAuthorization.requests).toBe(before);
  }, 30_000);

  it('logout revokes the cached refresh token and empties the cache', async () => {
    const { code, stderr } = await run(['logout', '--config', configFile]);
    expect(stderr).toMatch(/logged out \(revoked: refresh_token/);
    expect(code).toBe(0);
    expect((await op.stats()).provider.revocation.byHint['refresh_token']).toEqual({ requests: 1, found: 1 });
    expect(readFileSync(cacheFile, 'utf8')).not.toMatch(/refreshToken/);
  });

  it('refuses a config without token_cache, with exit code 2 and the reason', async () => {
    const bare = path.join(dir, 'bare.yaml');
    writeFileSync(bare, readFileSync(configFile, 'utf8').replace(/ {2}token_cache: .*\n/, ''));
    const { code, stderr } = await run(['login', '--config', bare]);
    expect(code).toBe(2);
    expect(stderr).toContain('has no gateway.token_cache');
  });
});
