/*
 * The token request timeout is a deadline for the whole request, not a socket
 * idle timeout: a token endpoint (or a proxy in front of it) that trickles its
 * answer a byte every 50 ms must not hold the refresh, and every request and
 * channel waiting behind it, past `timeoutMs`.
 */
import type { ServerResponse } from 'node:http';
import { AuthManager, TokenRequestError } from '../../lib';
import { settleWithin } from '../helpers/settle';
import { startRawServer } from '../helpers/token-server';

describe('token request timeout is a deadline, not an idle timeout', () => {
  it('a token endpoint that trickles its answer fails with TOKEN_REQUEST_TIMEOUT near timeoutMs', async () => {
    const trickles = new Set<NodeJS.Timeout>();
    const raw = await startRawServer((_request, response: ServerResponse) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      let bytes = 0;
      // Bounded: 60 spaces, one per 50 ms, then a valid answer (~3 s in all).
      const trickle = setInterval(() => {
        if (response.destroyed) return clearInterval(trickle);
        if (++bytes < 60) return void response.write(' ');
        clearInterval(trickle);
        response.end('{"access_token":"a-token","token_type":"Bearer","expires_in":60}');
      }, 50);
      trickles.add(trickle);
    });
    try {
      const auth = new AuthManager({ grant: 'password', tokenUrl: raw.url, clientId: 'c', username: 'u', password: 'p', timeoutMs: 200 });
      // 1.5 s is 7× the timeout: a liveness bound, not a speed check.
      const outcome = await settleWithin(auth.getAccessToken(), 1_500, 'a token request with timeoutMs 200 against a trickling server');
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.error).toBeInstanceOf(TokenRequestError);
      expect(!outcome.ok && outcome.error).toMatchObject({ code: 'TOKEN_REQUEST_TIMEOUT', retryable: true });
    } finally {
      for (const trickle of trickles) clearInterval(trickle);
      await raw.close();
    }
  });
});
