import axios from 'axios';
import { AuthManager, TokenRequestError, type AuthError, type AuthManagerOptions } from '../../lib';
import { startRawServer } from '../helpers/token-server';
import { startScriptedTokenServer, type ScriptedTokenServer } from './scripted-token-server';

const password = (tokenUrl: string, extra: Partial<AuthManagerOptions> = {}): AuthManagerOptions =>
  ({ grant: 'password', tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password', ...extra }) as AuthManagerOptions;

describe('wrong outcomes, fixed', () => {
  let server: ScriptedTokenServer;
  let clock: number;
  beforeEach(async () => {
    server = await startScriptedTokenServer();
    clock = Date.now();
  });
  afterEach(() => server.close());

  it('a flight that clear() ended (its 503 arrives after clear) does not put the new session into backoff', async () => {
    const auth = new AuthManager(password(server.tokenUrl, { now: () => clock }));
    server.script = () => ({ status: 503, json: { error: 'temporarily_unavailable' } });
    const old = auth.getAccessToken().catch((error: unknown) => error);
    await auth.clear(); // the 503 is still on its way
    expect(await old).toMatchObject({ status: 503, retryable: true });
    server.script = undefined;
    // The clock has not moved: a backoff inherited from the old flight would fail this at once, without a request.
    expect(server.authority.check(await auth.getAccessToken())).toBe('valid');
    expect(server.requests()).toBe(2);
    expect(auth.metrics().refreshFailures).toBe(0);
  });

  it('refresh token rejected, then the password grant answers 500: the still-valid access token is handed out until it expires', async () => {
    const auth = new AuthManager(password(server.tokenUrl, { now: () => clock, refreshLeewayMs: 60_000 }));
    const first = await auth.getAccessToken();
    clock += 3_600_000 - 30_000; // inside the leeway: a proactive refresh is due, the token still good
    server.authority.revokeRefreshTokens();
    server.script = (form) => (form.get('grant_type') === 'password' ? { status: 500, json: { error: 'server_error' } } : undefined);

    expect(await auth.getAccessToken()).toBe(first);
    expect(server.grants).toEqual(['password', 'refresh_token', 'password']);
    for (let i = 0; i < 20; i++) expect(await auth.getAccessToken()).toBe(first); // in the backoff: no request
    expect(server.requests()).toBe(3);

    clock += 1_001; // past the backoff: the next try goes straight to the grant (the refresh token is known dead)
    expect(await auth.getAccessToken()).toBe(first);
    expect(server.grants.slice(3)).toEqual(['password']);

    clock += 30_000; // expired now: no stale token
    await expect(auth.getAccessToken()).rejects.toMatchObject({ retryable: true, status: 500 });
    server.script = undefined;
    clock += 60_000;
    expect(await auth.getAccessToken()).not.toBe(first);
  });

  it.each([301, 302, 303, 307, 308])('a token endpoint answering %i: TOKEN_ENDPOINT_REDIRECT, not rejected credentials, no error event, nothing sent to the target', async (status) => {
    const target = await startRawServer((_request, response) => response.writeHead(200).end('{}'));
    try {
      server.script = () => ({ status, headers: { Location: target.url } });
      const auth = new AuthManager(password(server.tokenUrl));
      const errors: AuthError[] = [];
      auth.on('error', (error) => errors.push(error));
      const error = await auth.getAccessToken().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TokenRequestError);
      expect(error).toMatchObject({ code: 'TOKEN_ENDPOINT_REDIRECT', retryable: false, status });
      expect((error as TokenRequestError).rejected).toBe(false);
      expect((error as Error).message).toContain(String(status));
      expect(errors).toEqual([]);
      expect(target.hits()).toBe(0);
    } finally {
      await target.close();
    }
  });

  it('with the fetch adapter too, the form body with the password never follows a redirect', async () => {
    const target = await startRawServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"access_token":"stolen","token_type":"Bearer"}');
    });
    const previous = axios.defaults.adapter;
    axios.defaults.adapter = 'fetch';
    try {
      server.script = () => ({ status: 307, headers: { Location: target.url } });
      const auth = new AuthManager(password(server.tokenUrl));
      await expect(auth.getAccessToken()).rejects.toMatchObject({ code: 'TOKEN_ENDPOINT_REDIRECT' });
      expect(target.hits()).toBe(0);
    } finally {
      axios.defaults.adapter = previous;
      await target.close();
    }
  });
});
