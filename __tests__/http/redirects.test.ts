import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { AuthManager, attachAuth } from '../../lib';
import { closeServer } from '../helpers/token-server';

/** A server on 127.0.0.1 that records the headers of each request and answers with `respond`. */
async function recordingServer(respond: (request: http.IncomingMessage, response: http.ServerResponse) => void) {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((request, response) => {
    seen.push(request.headers);
    respond(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => closeServer(server) };
}

describe('credentials and redirects', () => {
  it('an API key does not follow a redirect to another origin, but does follow one at home', async () => {
    const elsewhere = await recordingServer((_request, response) => response.writeHead(200).end('{}'));
    const home = await recordingServer((request, response) => {
      if (request.url === '/away') response.writeHead(302, { Location: `${elsewhere.origin}/landing` }).end();
      else if (request.url === '/moved') response.writeHead(302, { Location: '/here' }).end();
      else response.writeHead(200).end('{}');
    });
    try {
      let userHookCalls = 0;
      const api = axios.create({ baseURL: home.origin, beforeRedirect: () => void userHookCalls++ });
      attachAuth(api, new AuthManager({ grant: 'api_key', apiKey: 'SECRET-KEY' }));

      await api.get('/away');
      expect(elsewhere.seen).toHaveLength(1);
      expect(elsewhere.seen[0]!['x-api-key']).toBeUndefined();

      await api.get('/moved');
      expect(home.seen.at(-1)!['x-api-key']).toBe('SECRET-KEY');
      expect(userHookCalls).toBe(2); // the user's own beforeRedirect still runs
    } finally {
      await home.close();
      await elsewhere.close();
    }
  });

  describe.each([301, 302, 303, 307, 308])('fetch adapter, %i', (status) => {
    it.each([
      ['an API key', () => new AuthManager({ grant: 'api_key', apiKey: 'SECRET-KEY' }), 'x-api-key', 'SECRET-KEY'],
      ['a bearer token', () => new AuthManager({ grant: async () => ({ access_token: 'SECRET-TOKEN', token_type: 'Bearer', expires_in: 3600 }) }), 'authorization', 'Bearer SECRET-TOKEN'],
    ])('%s: not to another origin (nor another port), yes at home', async (_name, manager, header, value) => {
      const elsewhere = await recordingServer((_request, response) => response.writeHead(200).end('{"where":"elsewhere"}'));
      const home = await recordingServer((request, response) => {
        request.resume();
        if (request.url === '/away') response.writeHead(status, { Location: `${elsewhere.origin}/landing` }).end();
        else if (request.url === '/moved') response.writeHead(status, { Location: '/here' }).end();
        else response.writeHead(200, { 'Content-Type': 'application/json' }).end(`{"where":"${request.url}","method":"${request.method}"}`);
      });
      try {
        const api = axios.create({ baseURL: home.origin, adapter: 'fetch' });
        attachAuth(api, manager());
        const away = await api.post('/away', { n: 1 });
        expect(away.data).toEqual({ where: 'elsewhere' });
        expect(elsewhere.seen).toHaveLength(1);
        expect(elsewhere.seen[0]![header]).toBeUndefined();

        const moved = await api.post('/moved', { n: 2 });
        expect(moved.data).toEqual({ where: '/here', method: status === 307 || status === 308 ? 'POST' : 'GET' });
        expect(home.seen.at(-1)![header]).toBe(value);
      } finally {
        await home.close();
        await elsewhere.close();
      }
    });
  });

  it('fetch adapter: a redirect loop stops after maxRedirects and comes back as the 3xx; the caller may keep redirect handling to itself', async () => {
    const home = await recordingServer((request, response) => {
      request.resume();
      response.writeHead(302, { Location: '/loop' }).end();
    });
    try {
      const api = axios.create({ baseURL: home.origin, adapter: 'fetch', maxRedirects: 3 });
      attachAuth(api, new AuthManager({ grant: 'api_key', apiKey: 'SECRET-KEY' }));
      await expect(api.get('/loop')).rejects.toMatchObject({ response: { status: 302 } });
      expect(home.seen).toHaveLength(4);
      const own = await api.get('/loop', { fetchOptions: { redirect: 'manual' }, validateStatus: () => true });
      expect(own.status).toBe(302);
      expect(home.seen).toHaveLength(5);
    } finally {
      await home.close();
    }
  });
});

describe('controlRedirects (which adapter follows redirects)', () => {
  const { adapterKind, controlRedirects } = jest.requireActual<typeof import('../../lib/http/fetch-redirects')>('../../lib/http/fetch-redirects');
  afterEach(() => delete (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest);

  it('where XHR would be picked, an API key goes by fetch with redirect: manual; a bearer token stays on XHR (the browser drops it cross-origin)', () => {
    (globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = function FakeXhr() {};
    expect(adapterKind(['xhr', 'http', 'fetch'])).toBe('xhr');
    const keyed: Record<string, unknown> = { adapter: ['xhr', 'http', 'fetch'] };
    controlRedirects(keyed, ['X-API-Key']);
    expect(keyed).toMatchObject({ adapter: 'fetch', fetchOptions: { redirect: 'manual' } });
    const bearer: Record<string, unknown> = { adapter: ['xhr', 'http', 'fetch'] };
    controlRedirects(bearer, ['Authorization']);
    expect(bearer).toEqual({ adapter: ['xhr', 'http', 'fetch'] });
  });

  it('in Node the default adapter is http (guarded by beforeRedirect); a function adapter is left alone', () => {
    expect(adapterKind(undefined)).toBe('http');
    expect(adapterKind(() => undefined)).toBe('custom');
    const config: Record<string, unknown> = { adapter: 'http' };
    controlRedirects(config, ['X-API-Key']);
    expect(config).toEqual({ adapter: 'http' });
  });
});
