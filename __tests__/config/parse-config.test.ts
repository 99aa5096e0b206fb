import path from 'node:path';
import { ConfigError } from '../../lib/errors';
import { parseConfig } from '../../lib/config';

const original = `gateway:
  auth_type: jwt            # jwt | internal (API key)
  jwt:
    auth_url: "http://localhost:8080/api/v1/auth/token"
    username: "user@example.com"
    password: "password"
    client_id: "benchmark-client"
    client_secret: ""        # optional
`;

/** The ConfigError a text fails with (fails the test if it parses). */
function failure(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    parseConfig(text, { env, sourceName: 'gateway.yaml' });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('parsed without error');
}

describe('parseConfig', () => {
  it('loads the original format unchanged, normalized to camelCase', () => {
    const config = parseConfig(original, { env: {} });
    expect(config).toEqual({
      gateway: {
        authType: 'jwt',
        jwt: { authUrl: 'http://localhost:8080/api/v1/auth/token', grantType: 'password', username: 'user@example.com', password: 'password', clientId: 'benchmark-client' },
      },
      source: 'config',
      warnings: [],
    });
  });

  it('reads the extensions: base_url, ws_url, scope, grant_type, token_cache; ignores other top-level sections', () => {
    const config = parseConfig(
      `benchmark: { sessions: 10, note: "\${NOT_READ}" }
gateway:
  auth_type: JWT
  base_url: https://gw.example.com
  ws_url: wss://gw.example.com
  token_cache: cache/tokens.json
  jwt:
    auth_url: https://idp.example.com/token
    grant_type: client_credentials
    client_id: robot
    client_secret: s3cret
    scope: "read write"
`,
      { env: {}, baseDir: '/srv/app' },
    );
    expect(config.gateway).toEqual({
      authType: 'jwt',
      baseUrl: 'https://gw.example.com',
      wsUrl: 'wss://gw.example.com',
      tokenCache: path.resolve('/srv/app', 'cache/tokens.json'),
      jwt: { authUrl: 'https://idp.example.com/token', grantType: 'client_credentials', clientId: 'robot', clientSecret: 's3cret', scope: 'read write' },
    });
  });

  it('reads auth_type internal with api_key and api_key_header', () => {
    const config = parseConfig('gateway:\n  auth_type: internal\n  api_key: k-123\n  api_key_header: X-Gateway-Key\n', { env: {} });
    expect(config.gateway).toEqual({ authType: 'internal', apiKey: 'k-123', apiKeyHeader: 'X-Gateway-Key' });
  });

  it('interpolates ${VAR} and ${VAR:-default}, and keeps $${VAR} literal', () => {
    const text = original
      .replace('"password"', '"${GW_PASSWORD}"')
      .replace('"user@example.com"', '"${GW_USER:-fallback@example.com}"')
      .replace('client_secret: ""', () => 'client_secret: "$${NOT_A_VAR}x"');
    expect(parseConfig(text, { env: { GW_PASSWORD: 'from-env' } }).gateway).toMatchObject({
      jwt: { password: 'from-env', username: 'fallback@example.com', clientSecret: '${NOT_A_VAR}x' },
    });
    expect(parseConfig(text, { env: { GW_PASSWORD: 'p', GW_USER: 'env@example.com' } }).gateway).toMatchObject({ jwt: { username: 'env@example.com' } });
  });

  it('a missing variable names the variable, the key and the line', () => {
    const error = failure(original.replace('"password"', '"${GW_PASSWORD}"'));
    expect(error).toMatchObject({ key: 'gateway.jwt.password', line: 6, code: 'CONFIG_INVALID' });
    expect(error.message).toBe('gateway.yaml:6: gateway.jwt.password refers to the environment variable GW_PASSWORD, which is not set');
    expect(failure(original.replace('"password"', '"${GW_PASSWORD"')).message).toContain('without a closing');
    expect(failure(original.replace('"password"', '"${1BAD}"')).message).toContain('not a valid variable name');
    // A literal "${" inside a password: the error names the key, never the text around it.
    const secretish = failure(original.replace('"password"', '"Pa${ss w0rd!}x"'));
    expect(secretish.key).toBe('gateway.jwt.password');
    expect(secretish.message).not.toMatch(/ss w0rd|Pa\$/);
  });

  it('unknown auth_type lists the allowed values, with key and line', () => {
    const error = failure(original.replace('auth_type: jwt ', 'auth_type: oauth'));
    expect(error).toMatchObject({ key: 'gateway.auth_type', line: 2 });
    expect(error.message).toBe('gateway.yaml:2: gateway.auth_type is not one of the allowed values: jwt, internal');
    expect(failure(original.replace('  jwt:', '  jwt:\n    grant_type: implicit')).message).toContain('gateway.jwt.grant_type is not one of the allowed values: password, client_credentials, device_code');
  });

  it.each([
    ['a missing gateway section', 'other: 1\n', 'gateway', undefined],
    ['a missing auth_type', 'gateway:\n  jwt: {}\n', 'gateway.auth_type', 1],
    ['a missing jwt section', 'gateway:\n  auth_type: jwt\n', 'gateway.jwt', 1],
    ['a missing username', original.replace('    username: "user@example.com"\n', ''), 'gateway.jwt.username', 3],
    ['a missing auth_url', original.replace('    auth_url: "http://localhost:8080/api/v1/auth/token"\n', ''), 'gateway.jwt.auth_url', 3],
    ['a relative auth_url', original.replace('http://localhost:8080/api/v1/auth/token', '/api/v1/auth/token'), 'gateway.jwt.auth_url', 4],
    ['an http ws_url', original.replace('gateway:\n', 'gateway:\n  ws_url: http://x\n'), 'gateway.ws_url', 2],
    ['a number as username', original.replace('"user@example.com"', '12345'), 'gateway.jwt.username', 5],
    ['a list as password', original.replace('"password"', '[a, b]'), 'gateway.jwt.password', 6],
    ['jwt as a string', 'gateway:\n  auth_type: jwt\n  jwt: yes\n', 'gateway.jwt', 3],
    ['client_credentials without a secret', original.replace('  jwt:', '  jwt:\n    grant_type: client_credentials'), 'gateway.jwt.client_secret', 3],
    ['internal without api_key', 'gateway:\n  auth_type: internal\n', 'gateway.api_key', 1],
    ['a list at the top', '- gateway\n', 'gateway', 1],
  ])('%s → ConfigError naming %s at line %s', (_name, text, key, line) => {
    const error = failure(text);
    expect(error.key).toBe(key);
    expect(error.line).toBe(line);
    expect(error.message).toContain(key);
  });

  it('YAML syntax errors carry the line and never the source text', () => {
    const unterminated = failure(original.replace('"password"', '"hunter2-secret'));
    expect(unterminated.line).toBeGreaterThanOrEqual(6);
    expect(unterminated.message).toMatch(/^gateway\.yaml:\d+: YAML syntax error: /);
    const duplicate = failure(original.replace('    password: "password"\n', '    password: "hunter2-secret"\n    password: "other-secret"\n'));
    expect(duplicate).toMatchObject({ line: 7 });
    expect(duplicate.message).toContain('gateway.jwt.password is given twice');
    const tabs = failure('gateway:\n\tpassword: hunter2-secret\n');
    expect(tabs.line).toBe(2);
    for (const error of [unterminated, duplicate, tabs]) expect(`${error.message} ${String(error.cause)}`).not.toMatch(/hunter2|other-secret/);
  });

  it('no error message or property ever holds a password, client secret or API key', () => {
    const secrets = ['pw-SECRET-1', 'cs-SECRET-2', 'key-SECRET-3'];
    const texts = [
      original.replace('"password"', '"pw-SECRET-1"').replace('client_secret: ""', 'client_secret: "cs-SECRET-2"').replace('auth_url: "http://localhost:8080/api/v1/auth/token"', 'auth_url: "nope"'),
      original.replace('"password"', '"pw-SECRET-1"').replace('auth_type: jwt ', 'auth_type: cs-SECRET-2'),
      'gateway:\n  auth_type: internal\n  api_key: key-SECRET-3\n  base_url: "ftp://u:key-SECRET-3@h"\n',
      'gateway:\n  auth_type: jwt\n  jwt:\n    password: "pw-SECRET-1"\n    client_secret: cs-SECRET-2\n',
    ];
    for (const text of texts) {
      const error = failure(text);
      const everything = JSON.stringify({ message: error.message, key: error.key, line: error.line, stack: error.stack });
      for (const secret of secrets) expect(everything).not.toContain(secret);
    }
  });

  it('unknown keys under gateway are ignored with a warning naming key and line', () => {
    const config = parseConfig(original.replace('  jwt:', '  timeout: 30\n  jwt:\n    usernme: typo'), { env: {}, sourceName: 'gw.yaml' });
    expect(config.warnings).toEqual([expect.stringMatching(/^gw\.yaml:3: gateway\.timeout is not a known key/), expect.stringMatching(/^gw\.yaml:5: gateway\.jwt\.usernme is not a known key/)]);
  });

  it('follows YAML anchors and aliases', () => {
    const text = `defaults: &creds\n  auth_url: http://localhost:1/token\n  client_id: c\n  username: u\n  password: p\ngateway:\n  auth_type: jwt\n  jwt: *creds\n`;
    expect(parseConfig(text, { env: {} }).gateway).toMatchObject({ jwt: { clientId: 'c', username: 'u' } });
  });

  it('an unquoted password starting with "*" (a YAML alias without anchor): the error says to quote it, and does not quote it', () => {
    const error = failure(original.replace('password: "password"', 'password: *Hunter2-Secret'));
    expect(error).toMatchObject({ line: 6, code: 'CONFIG_INVALID' });
    expect(error.message).toContain('quote the value');
    expect(`${error.message} ${String(error.cause)} ${JSON.stringify(error)}`).not.toMatch(/Hunter2/);
  });

  it('an unset variable is named only when it looks like one (CAPITALS): `${Hunter2}` in a password is not quoted', () => {
    expect(failure(original.replace('"password"', '"${GATEWAY_PASSWORD}"')).message).toContain('GATEWAY_PASSWORD');
    expect(failure(original.replace('"password"', '"${Hunter2}"')).message).not.toContain('Hunter2');
  });

  it('parsing is linear in the number of keys (40 000 keys: about as long per key as 5 000), and a file over 1 MiB is refused', () => {
    const withKeys = (count: number) => `${original}${Array.from({ length: count }, (_, n) => `extra_${n}: ${n}`).join('\n')}\n`;
    const perKey = (count: number) => {
      const started = process.hrtime.bigint();
      parseConfig(withKeys(count), { env: {} });
      return Number(process.hrtime.bigint() - started) / count;
    };
    perKey(2_000); // warm up
    const small = Math.min(perKey(5_000), perKey(5_000));
    const large = Math.min(perKey(40_000), perKey(40_000));
    // Quadratic parsing made a key 8× dearer at 8× the keys; linear stays flat (a generous bound for a noisy machine).
    expect(large / small).toBeLessThan(4);
    const huge = failure(`${original}# ${'x'.repeat(1024 * 1024)}\n`);
    expect(huge.message).toContain('larger than 1048576 bytes');
  });
});
