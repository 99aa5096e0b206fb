import type { ServerResponse } from 'node:http';
import axios, { type AxiosAdapter, type AxiosResponse } from 'axios';
import fc from 'fast-check';
import { AuthManager, TokenRequestError } from '../../lib';
import { settleWithin, trapProcessErrors } from '../helpers/settle';
import { startRawServer } from '../helpers/token-server';

/**
 * Whatever a token endpoint answers — any status, any body, JSON or not,
 * parsed or raw, cut short — the manager resolves to a token or rejects with
 * a TokenRequestError: never another exception, never a crash, never a hang,
 * and never an error that repeats the access token it was sent.
 */
const settings = { seed: 0x5eed_f022 };
const SECRET = 'SECRET-ACCESS-0f3a9c';

/** Near-misses of RFC 6749 §5.1: every field present or not, with any type. */
const tokenLike = fc.record(
  {
    access_token: fc.oneof(fc.constant(SECRET), fc.anything(), fc.string()),
    token_type: fc.oneof(fc.constantFrom('Bearer', 'bearer', 'mac', ''), fc.anything()),
    expires_in: fc.oneof(fc.integer(), fc.double(), fc.constantFrom('3600', ' 60 ', '-1', 'soon', ''), fc.anything()),
    refresh_token: fc.oneof(fc.string(), fc.anything()),
    scope: fc.anything(),
    error: fc.oneof(fc.constantFrom('invalid_grant', 'invalid_client'), fc.anything()),
    error_description: fc.anything(),
  },
  { requiredKeys: [] },
);

/** The body as an adapter may hand it over: text of any kind, or an already parsed value. */
const body = fc.oneof(
  tokenLike.map((value) => JSON.stringify(value) ?? ''),
  tokenLike,
  fc.json(),
  fc.string(),
  fc.anything(),
  fc.constantFrom('', 'null', '[]', '{', '<html></html>', '{"access_token":'),
);
const status = fc.oneof(fc.integer({ min: 100, max: 599 }), fc.constantFrom(200, 201, 204, 400, 401, 429, 500, 503));

/** A manager whose token endpoint is an in-memory adapter answering `answer()` (installed on the default axios while the manager is built). */
function managerAnswering(answer: () => { status: number; data: unknown; contentType: string }): AuthManager {
  const adapter: AxiosAdapter = async (config) => {
    const { status: code, data, contentType } = answer();
    return { status: code, statusText: '', data, headers: { 'content-type': contentType }, config, request: {} } satisfies AxiosResponse;
  };
  const previous = axios.defaults.adapter;
  axios.defaults.adapter = adapter;
  try {
    return new AuthManager({ grant: 'password', tokenUrl: 'http://auth.test/token', clientId: 'c', username: 'u', password: 'p' });
  } finally {
    axios.defaults.adapter = previous;
  }
}

/** The outcome is a token or a TokenRequestError that does not repeat the secret. */
function expectTokenOrTokenRequestError(outcome: { ok: true; value: string } | { ok: false; error: unknown }): void {
  if (outcome.ok) {
    expect(typeof outcome.value === 'string' && outcome.value.length > 0).toBe(true);
    return;
  }
  expect(outcome.error).toBeInstanceOf(TokenRequestError);
  const error = outcome.error as TokenRequestError;
  expect(`${error.message} ${JSON.stringify(error)} ${String(error.cause ?? '')}`).not.toContain(SECRET);
}

describe('fuzzed token responses', () => {
  it('in memory: any status and body, on the first authentication and on a refresh', async () => {
    const trap = trapProcessErrors();
    try {
      await fc.assert(
        fc.asyncProperty(status, body, fc.constantFrom('application/json', 'text/html', ''), async (code, data, contentType) => {
          let calls = 0;
          // The first answer is the fuzzed one; for the refresh case a good token comes first.
          const auth = managerAnswering(() => ({ status: code, data, contentType }));
          expectTokenOrTokenRequestError(await settleWithin(auth.getAccessToken(), 2_000, 'first authentication'));

          const refreshing = managerAnswering(() =>
            calls++ === 0 ? { status: 200, data: { access_token: 'good', token_type: 'Bearer', refresh_token: 'rt' }, contentType: 'application/json' } : { status: code, data, contentType },
          );
          await refreshing.getAccessToken();
          const refreshed = await settleWithin(refreshing.handleUnauthorized('good').then(() => refreshing.getAccessToken()), 2_000, 'refresh');
          expectTokenOrTokenRequestError(refreshed);
          if (refreshed.ok) expect(refreshed.value).not.toBe('good'); // a rejected token is never handed out again
        }),
        { ...settings, numRuns: 400 },
      );
      expect(trap.errors).toEqual([]);
    } finally {
      trap.stop();
    }
  });

  it('over real HTTP: random statuses, content types and bytes, sometimes cut off mid-body', async () => {
    let next: { status: number; bytes: Uint8Array; contentType: string; cut: number | undefined } = { status: 200, bytes: new Uint8Array(), contentType: '', cut: undefined };
    const raw = await startRawServer((_request, response: ServerResponse) => {
      const { status: code, bytes, contentType, cut } = next;
      if (cut === undefined) return void response.writeHead(code, { 'Content-Type': contentType }).end(Buffer.from(bytes));
      response.writeHead(code, { 'Content-Type': contentType, 'Content-Length': String(bytes.length + 10) });
      response.write(Buffer.from(bytes.subarray(0, cut)));
      setImmediate(() => response.socket?.destroy());
    });
    const trap = trapProcessErrors();
    try {
      const bytes = fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        tokenLike.map((value) => new TextEncoder().encode(JSON.stringify(value) ?? '')),
        fc.string().map((text) => new TextEncoder().encode(text)),
      );
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 200, max: 599 }), bytes, fc.constantFrom('application/json', 'text/html; charset=utf-8', 'application/octet-stream'), fc.option(fc.nat({ max: 300 })), async (code, data, contentType, cut) => {
          next = { status: code, bytes: data, contentType, cut: cut === null ? undefined : Math.min(cut, data.length) };
          const auth = new AuthManager({ grant: 'password', tokenUrl: raw.url, clientId: 'c', username: 'u', password: 'p', timeoutMs: 2_000 });
          expectTokenOrTokenRequestError(await settleWithin(auth.getAccessToken(), 5_000, 'token request'));
        }),
        { ...settings, numRuns: 80 },
      );
      expect(trap.errors).toEqual([]);
      expect(raw.hits()).toBeGreaterThanOrEqual(80);
    } finally {
      trap.stop();
      await raw.close();
    }
  });
});
