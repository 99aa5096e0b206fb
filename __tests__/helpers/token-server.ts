import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../../lib/testing/http-server';

// The token endpoint is the fixture kit's (lib/testing); what stays here is a raw server for malformed answers.
export { startTokenServer, type TokenServer } from '../../lib/testing';
export { closeServer };

/** A server answering every request with `handler` (for malformed token responses). */
export async function startRawServer(handler: http.RequestListener): Promise<{ url: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = http.createServer((request, response) => {
    hits++;
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/token`, hits: () => hits, close: () => closeServer(server) };
}
