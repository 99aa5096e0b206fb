import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthManager, ErrorCodes } from '../../lib';
import { closeServer, listen, readBody } from '../../lib/testing/http-server';

// RFC 7009 answers a real server gives, scripted: 503 with Retry-After (§2.2.1), 204, unsupported_token_type.

type Answer = { status: number; body?: string; headers?: Record<string, string> };
let server: http.Server;
let base: string;
let revocations: Answer[];
const seen: URLSearchParams[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    readBody(request, 64 * 1024, (body) => {
      if (request.url === '/token') {
        response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: 'at-1', token_type: 'Bearer', expires_in: 300, refresh_token: 'rt-1' }));
        return;
      }
      seen.push(new URLSearchParams(body ?? ''));
      const answer = revocations.shift() ?? { status: 200 };
      response.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers }).end(answer.body ?? '');
    });
  });
  await listen(server, 0);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => closeServer(server));
beforeEach(() => {
  seen.length = 0;
  revocations = [];
});

async function signedIn(): Promise<AuthManager> {
  const auth = new AuthManager({ grant: 'client_credentials', tokenUrl: `${base}/token`, revocationUrl: `${base}/revoke`, clientId: 'c', clientSecret: 's', clientAuth: 'basic' });
  await auth.getAccessToken();
  return auth;
}

describe('revoke() against the answers RFC 7009 allows', () => {
  it('revokes the refresh token, then the access token, each with its hint; 204 is a success too', async () => {
    revocations = [{ status: 200 }, { status: 204 }];
    const auth = await signedIn();
    await expect(auth.revoke()).resolves.toEqual({ revoked: ['refresh_token', 'access_token'], failed: [] });
    expect(seen.map((form) => [form.get('token'), form.get('token_type_hint')])).toEqual([['rt-1', 'refresh_token'], ['at-1', 'access_token']]);
    expect(auth.toJSON()['fingerprint']).toBeUndefined();
  });

  it('a 503 is tried once more after its Retry-After', async () => {
    revocations = [{ status: 503, headers: { 'Retry-After': '0' } }, { status: 200 }, { status: 200 }];
    const auth = await signedIn();
    await expect(auth.revoke()).resolves.toEqual({ revoked: ['refresh_token', 'access_token'], failed: [] });
    expect(seen).toHaveLength(3);
  });

  it('a 503 twice: reported as retryable, and the tokens are kept for the next logout', async () => {
    revocations = [{ status: 503, headers: { 'Retry-After': '0' } }, { status: 503, headers: { 'Retry-After': '0' } }, { status: 200 }];
    const auth = await signedIn();
    const result = await auth.revoke();
    expect(result.revoked).toEqual(['access_token']);
    expect(result.failed).toEqual([{ tokenType: 'refresh_token', error: expect.objectContaining({ status: 503, retryable: true }) }]);
    expect(auth.toJSON()['fingerprint']).toEqual(expect.any(String));
    await expect(auth.revoke()).resolves.toMatchObject({ failed: [] });
  });

  it('unsupported_token_type for the access token is neither revoked nor a failure; invalid_client is a failure', async () => {
    revocations = [{ status: 200 }, { status: 400, body: JSON.stringify({ error: 'unsupported_token_type' }) }];
    const auth = await signedIn();
    await expect(auth.revoke()).resolves.toEqual({ revoked: ['refresh_token'], failed: [] });
    revocations = [{ status: 401, body: JSON.stringify({ error: 'invalid_client' }) }, { status: 200 }];
    const again = await signedIn();
    const result = await again.revoke();
    expect(result.failed).toEqual([{ tokenType: 'refresh_token', error: expect.objectContaining({ oauthError: 'invalid_client', code: ErrorCodes.TOKEN_REQUEST_FAILED }) }]);
    expect(again.toJSON()['fingerprint']).toBeUndefined(); // a final failure: forgotten anyway
  });
});
