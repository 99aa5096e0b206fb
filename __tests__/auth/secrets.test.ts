import { inspect } from 'node:util';
import axios from 'axios';
import MockAdapter from 'axios-mock-adapter';
import { AuthManager, TokenRequestError, type AuthManagerOptions, type Logger } from '../../lib';
import { startRawServer, startTokenServer, type TokenServer } from '../helpers/token-server';

const PASSWORD = 'pw-Secret-0001';
const CLIENT_SECRET = 'cs-Secret-0002';

/** Captures every log line, event and error a manager produces. */
function recorder() {
  const lines: string[] = [];
  const logger: Logger = {
    debug: (message, meta) => lines.push(inspect([message, meta], { depth: 6 })),
    info: (message, meta) => lines.push(inspect([message, meta], { depth: 6 })),
    warn: (message, meta) => lines.push(inspect([message, meta], { depth: 6 })),
    error: (message, meta) => lines.push(inspect([message, meta], { depth: 6 })),
  };
  const watch = (auth: AuthManager) => {
    for (const name of ['authenticated', 'refreshed', 'token', 'refreshFailed', 'unauthorized', 'error'] as const) {
      auth.on(name, (payload: unknown) => lines.push(inspect(payload, { depth: 6 })));
    }
  };
  return { lines, logger, watch };
}

describe('no secret leaves the manager', () => {
  let server: TokenServer;
  beforeEach(async () => {
    server = await startTokenServer({ users: { alice: PASSWORD }, clients: { svc: CLIENT_SECRET } });
  });
  afterEach(() => server.close());

  it('errors, log lines and events never carry passwords, secrets or tokens', async () => {
    const { lines, logger, watch } = recorder();
    const options = (tokenUrl: string, password = PASSWORD, extra: Partial<AuthManagerOptions> = {}) =>
      ({ grant: 'password', tokenUrl, clientId: 'svc', clientSecret: CLIENT_SECRET, username: 'alice', password, logger, ...extra }) as AuthManagerOptions;
    const errors: unknown[] = [];
    const capture = (promise: Promise<unknown>) => promise.catch((error: unknown) => errors.push(error));

    const good = new AuthManager(options(server.tokenUrl));
    watch(good);
    const token = await good.getAccessToken();
    const { refreshToken } = await good.authenticate();
    await good.handleUnauthorized(await good.getAccessToken());
    server.authority.revokeRefreshTokens();
    await good.refreshAccessToken(); // rejected refresh → fallback
    server.authority.failTokenRequests(1, 500);
    await capture(good.refreshAccessToken());

    const wrong = new AuthManager(options(server.tokenUrl, `${PASSWORD}-wrong`));
    watch(wrong);
    await capture(wrong.getAccessToken());

    const silent = await startRawServer(() => undefined);
    const slow = new AuthManager(options(silent.url, PASSWORD, { timeoutMs: 100 }));
    watch(slow);
    await capture(slow.getAccessToken());
    await silent.close();
    const refused = new AuthManager(options(silent.url));
    await capture(refused.getAccessToken());

    expect(errors).toHaveLength(4);
    const everything = [...lines, ...errors.map((error) => inspect(error, { depth: 6 }))].join('\n');
    for (const secret of [PASSWORD, CLIENT_SECRET, token, refreshToken!, 'password=', 'client_secret=']) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).toContain(`TOKEN_REQUEST_TIMEOUT`);
    expect(lines.length).toBeGreaterThan(5);
  });
});

describe('error causes are sanitised whoever builds the error', () => {
  it('a custom grant throwing a TokenRequestError caused by an axios error keeps no form body', async () => {
    const axiosLike = Object.assign(new Error('Request failed with status code 500'), {
      isAxiosError: true,
      code: 'ERR_BAD_RESPONSE',
      config: { data: `grant_type=password&password=${PASSWORD}` },
    });
    const auth = new AuthManager({ grant: async () => Promise.reject(new TokenRequestError('device flow failed', { cause: axiosLike })) });
    const seen: string[] = [];
    auth.on('refreshFailed', (event) => seen.push(inspect(event, { depth: 6 })));
    const error = await auth.getAccessToken().catch((caught: unknown) => caught);
    seen.push(inspect(error, { depth: 6 }));
    expect(seen.join('\n')).not.toContain(PASSWORD);
    expect(seen.join('\n')).toContain('Request failed with status code 500');
  });
});

describe('token requests on the wire (axios-mock-adapter)', () => {
  // The manager's own axios instance inherits the default adapter at construction, so a
  // MockAdapter on the default axios sees token requests without any real server.
  let mock: MockAdapter;
  beforeEach(() => {
    mock = new MockAdapter(axios);
  });
  afterEach(() => mock.restore());

  it('sends an RFC 6749 form body with client credentials in the body', async () => {
    mock.onPost('https://auth.example.test/token').reply(200, { access_token: 'x', token_type: 'Bearer', expires_in: 60 });
    const auth = new AuthManager({ grant: 'password', tokenUrl: 'https://auth.example.test/token', clientId: 'c/1', clientSecret: 's', username: 'u', password: 'p&q', scope: 'read write' });
    await auth.getAccessToken();
    const [request] = mock.history.post;
    expect(request!.headers!['Content-Type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request!.data as string))).toEqual({
      grant_type: 'password', username: 'u', password: 'p&q', scope: 'read write', client_id: 'c/1', client_secret: 's',
    });
  });

  it('sends HTTP Basic client authentication with url-encoded parts', async () => {
    mock.onPost('https://auth.example.test/token').reply(200, { access_token: 'x', token_type: 'bearer' });
    const auth = new AuthManager({ grant: 'client_credentials', tokenUrl: 'https://auth.example.test/token', clientId: 'svc:1', clientSecret: 'a b', clientAuth: 'basic' });
    await auth.getAccessToken();
    const [request] = mock.history.post;
    expect(request!.headers!['Authorization']).toBe(`Basic ${Buffer.from('svc%3A1:a%20b').toString('base64')}`);
    expect(new URLSearchParams(request!.data as string).has('client_secret')).toBe(false);
  });
});
