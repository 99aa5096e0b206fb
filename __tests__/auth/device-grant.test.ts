import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCodes } from '../../lib';
import { runDeviceGrant } from '../../lib/auth/device-grant';
import { normalizeOptions } from '../../lib/auth/normalize-options';
import { TokenEndpoint } from '../../lib/auth/token-endpoint';
import type { UserCodePrompt } from '../../lib/auth/options';
import { closeServer, listen, readBody } from '../../lib/testing/http-server';

// RFC 8628 polling, read off the waits: a real device and token endpoint on 127.0.0.1 answer from a
// script, and the poller's sleep is injected (it records each wait and returns at once), so the
// intervals, slow_down steps and the expiry are checked without a real second passing.

type Answer = { status: number; json: Record<string, unknown> };

let server: http.Server;
let base: string;
let device: Answer;
let polls: Answer[];
const forms: URLSearchParams[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    readBody(request, 64 * 1024, (body) => {
      const form = new URLSearchParams(body ?? '');
      forms.push(form);
      const answer = request.url === '/device' ? device : (polls.shift() ?? { status: 400, json: { error: 'authorization_pending' } });
      response.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer.json));
    });
  });
  await listen(server, 0);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => closeServer(server));
beforeEach(() => {
  forms.length = 0;
  device = { status: 200, json: { device_code: 'dc', user_code: 'WDJB-MJHT', verification_uri: `${base}/activate`, expires_in: 600, interval: 2 } };
  polls = [];
});

/** Runs the grant on a fake clock that the injected sleep advances; returns the outcome and the waits. */
async function poll() {
  let clock = 1_000_000;
  const waits: number[] = [];
  const prompts: UserCodePrompt[] = [];
  const config = normalizeOptions({ grant: 'device_code', tokenUrl: `${base}/token`, deviceAuthorizationUrl: `${base}/device`, clientId: 'cli', scope: 'openid', resource: 'urn:api', onUserCode: (prompt) => void prompts.push(prompt), now: () => clock });
  const endpoint = new TokenEndpoint(config.endpoint!, undefined, config.logger);
  const sleep = async (ms: number) => {
    waits.push(ms);
    clock += ms;
  };
  const outcome = await runDeviceGrant(config, endpoint, new AbortController().signal, sleep).then(
    (body) => ({ body }),
    (error: unknown) => ({ error: error as { code?: string } }),
  );
  return { outcome, waits, prompts };
}

const tokens = { status: 200, json: { access_token: 'at', token_type: 'Bearer', expires_in: 60, refresh_token: 'rt' } };

describe('device authorization polling', () => {
  it('shows the code once, waits the interval before every poll, and keeps polling while authorization is pending', async () => {
    polls = [{ status: 400, json: { error: 'authorization_pending' } }, { status: 400, json: { error: 'authorization_pending' } }, tokens];
    const { outcome, waits, prompts } = await poll();
    expect(outcome).toEqual({ body: tokens.json });
    expect(waits).toEqual([2000, 2000, 2000]);
    expect(prompts).toEqual([{ verificationUri: `${base}/activate`, userCode: 'WDJB-MJHT', expiresAt: 1_000_000 + 600_000 }]);
    // The device request and every poll carry the client, and the resource indicator.
    expect(forms.map((form) => [form.get('grant_type'), form.get('client_id'), form.get('resource')])).toEqual([
      [null, 'cli', 'urn:api'],
      ...Array(3).fill(['urn:ietf:params:oauth:grant-type:device_code', 'cli', 'urn:api']),
    ]);
    expect(forms[0]!.get('scope')).toBe('openid');
    expect(forms[1]!.get('device_code')).toBe('dc');
  });

  it('slow_down adds 5 s to the interval, for good', async () => {
    polls = [{ status: 400, json: { error: 'slow_down' } }, { status: 400, json: { error: 'authorization_pending' } }, { status: 400, json: { error: 'slow_down' } }, tokens];
    const { waits } = await poll();
    expect(waits).toEqual([2000, 7000, 7000, 12000]);
  });

  it('no interval means 5 s; an interval of 0 still waits 1 s (never a poll without a pause)', async () => {
    delete device.json['interval'];
    polls = [tokens];
    expect((await poll()).waits).toEqual([5000]);
    device.json['interval'] = 0;
    polls = [tokens];
    expect((await poll()).waits).toEqual([1000]);
  });

  it('a 5xx or an unreachable moment doubles the wait, then polling goes on', async () => {
    polls = [{ status: 503, json: {} }, { status: 503, json: {} }, tokens];
    expect((await poll()).waits).toEqual([2000, 4000, 8000]);
  });

  it('expired_token and access_denied end it with their own codes; so does the code running out of time', async () => {
    polls = [{ status: 400, json: { error: 'expired_token' } }];
    expect((await poll()).outcome).toEqual({ error: expect.objectContaining({ code: ErrorCodes.DEVICE_CODE_EXPIRED }) });
    polls = [{ status: 400, json: { error: 'access_denied' } }];
    expect((await poll()).outcome).toEqual({ error: expect.objectContaining({ code: ErrorCodes.ACCESS_DENIED, retryable: false }) });
    device.json['expires_in'] = 7;
    const ran = await poll();
    expect(ran.outcome).toEqual({ error: expect.objectContaining({ code: ErrorCodes.DEVICE_CODE_EXPIRED }) });
    expect(ran.waits).toEqual([2000, 2000, 2000]); // the last poll is at 6 s: one more would start after the expiry
  });

  it('an invalid device authorization answer is a typed error, and invalid_client is final', async () => {
    device = { status: 200, json: { user_code: 'X' } };
    expect((await poll()).outcome).toEqual({ error: expect.objectContaining({ code: ErrorCodes.INVALID_TOKEN_RESPONSE }) });
    device = { status: 401, json: { error: 'invalid_client' } };
    expect((await poll()).outcome).toEqual({ error: expect.objectContaining({ oauthError: 'invalid_client', retryable: false }) });
  });
});
