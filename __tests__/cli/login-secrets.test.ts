import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { logout } from '../../lib/cli/login';

// login/logout name the token cache they used: a redis:// cache is named without its password.

it('logout names a Redis token cache without its password', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'axios-ws-auth-logout-'));
  try {
    const config = path.join(dir, 'gateway.yaml');
    const yaml = ['gateway:', '  auth_type: jwt', '  token_cache: "redis://:${REDIS_PASSWORD}@127.0.0.1:9/0"', '  jwt:', '    auth_url: http://127.0.0.1:9/token', '    grant_type: client_credentials', '    client_id: c', '    client_secret: s', ''];
    writeFileSync(config, yaml.join('\n'));
    process.env['REDIS_PASSWORD'] = 'hunter2-redis';
    const lines: string[] = [];
    const code = await logout(['--config', config], { out: (line) => lines.push(line), err: (line) => lines.push(line) });
    expect(lines.join('\n')).toContain('redis://127.0.0.1:9/0');
    expect(lines.join('\n')).not.toContain('hunter2-redis');
    expect(code).toBe(0);
    // ioredis ends a connection that never came up with a 2 s timer of its own, after the store's close().
    await new Promise((resolve) => setTimeout(resolve, 2_200));
  } finally {
    delete process.env['REDIS_PASSWORD'];
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
