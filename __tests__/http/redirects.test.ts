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
});
