import type http from 'node:http';
import { AuthManager, TokenRequestError } from '../../lib';
import { startRawServer } from '../helpers/token-server';

const options = (tokenUrl: string) => ({ grant: 'client_credentials', tokenUrl, clientId: 'c', clientSecret: 's', timeoutMs: 1_500 }) as const;

/** Answers with `body`, or streams it for ever when `body` is a function of the chunk number. */
async function withTokenServer(answer: (request: http.IncomingMessage, response: http.ServerResponse) => void, test: (url: string) => Promise<void>) {
  const server = await startRawServer(answer);
  try {
    await test(server.url);
  } finally {
    await server.close();
  }
}

describe('token responses are bounded', () => {
  it('an endless body at full speed is cut by a byte cap, long before the deadline', async () => {
    let written = 0;
    await withTokenServer(
      (request, response) => {
        request.resume();
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.write('{"access_token":"');
        const chunk = 'x'.repeat(64 * 1024);
        // Written as fast as the client reads (backpressure), until it hangs up.
        const pump = () => {
          while (!response.destroyed && written < 2 ** 31) {
            written += chunk.length;
            if (!response.write(chunk)) return void response.once('drain', pump);
          }
        };
        response.on('close', () => response.removeAllListeners('drain'));
        pump();
      },
      async (url) => {
        const error = await new AuthManager(options(url)).getAccessToken().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(TokenRequestError);
        expect(error).toMatchObject({ code: 'INVALID_TOKEN_RESPONSE', retryable: true });
        expect((error as Error).message).toContain('bytes');
      },
    );
    // Before: hundreds of MB read until the deadline. After: the cap (256 KiB) plus what the sockets buffer.
    expect(written).toBeLessThan(32 * 1024 * 1024);
  });

  it('a 50 MB answer is refused by its size without being read', async () => {
    // Made before the request, and a generous deadline: on a loaded machine, building 50 MB inside the handler outlasted 1.5 s.
    const body = JSON.stringify({ access_token: 'a'.repeat(50 * 1024 * 1024), token_type: 'Bearer' });
    await withTokenServer(
      (request, response) => {
        request.resume();
        response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        response.end(body);
      },
      async (url) => {
        await expect(new AuthManager({ ...options(url), timeoutMs: 20_000 }).getAccessToken()).rejects.toMatchObject({ code: 'INVALID_TOKEN_RESPONSE', retryable: true });
      },
    );
  });

  it.each(['access_token', 'refresh_token'])('an absurd %s (100 000 characters) is refused, naming the field', async (field) => {
    const set: Record<string, unknown> = { access_token: 'a', refresh_token: 'r', token_type: 'Bearer', expires_in: 60 };
    set[field] = 'x'.repeat(100_000);
    await withTokenServer(
      (request, response) => {
        request.resume();
        response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(set));
      },
      async (url) => {
        const error = await new AuthManager(options(url)).getAccessToken().catch((caught: unknown) => caught);
        expect(error).toMatchObject({ code: 'INVALID_TOKEN_RESPONSE', retryable: true });
        expect((error as Error).message).toContain(field);
      },
    );
  });

  it('an absurd expires_in (1e308) is capped to a sane lifetime, never Infinity', async () => {
    await withTokenServer(
      (request, response) => {
        request.resume();
        response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"access_token":"a","token_type":"Bearer","expires_in":1e308}');
      },
      async (url) => {
        const tokenSet = await new AuthManager(options(url)).authenticate();
        expect(Number.isFinite(tokenSet.expiresAt)).toBe(true);
        expect(tokenSet.expiresAt! - tokenSet.receivedAt).toBe(365 * 86_400_000);
      },
    );
  });
});
