import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenAuthority, type TokenAuthorityOptions } from '../../lib/testing/token-authority';

export interface TokenServer {
  tokenUrl: string;
  authority: TokenAuthority;
  close(): Promise<void>;
}

/** A real OAuth2 token endpoint on 127.0.0.1, port 0. */
export async function startTokenServer(options: TokenAuthorityOptions = {}): Promise<TokenServer> {
  const authority = new TokenAuthority(options);
  const server = http.createServer((request, response) => {
    if (request.method === 'POST' && request.url === '/token') return authority.handle(request, response);
    response.writeHead(404).end();
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    tokenUrl: `http://127.0.0.1:${port}/token`,
    authority,
    close: () => closeServer(server),
  };
}

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

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
