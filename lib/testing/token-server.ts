import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, listen } from './http-server';
import { TokenAuthority, type TokenAuthorityOptions } from './token-authority';

/** Options of `startTokenServer()`: the token options, or a `TokenAuthority` to serve. */
export interface TokenServerOptions extends TokenAuthorityOptions {
  authority?: TokenAuthority;
}

/** A token endpoint alone (`POST /token`, `/revoke` and `/device_authorization`), as an identity provider would be. */
export interface TokenServer {
  tokenUrl: string;
  /** `POST /revoke` (RFC 7009). */
  revocationUrl: string;
  /** `POST /device_authorization` (RFC 8628); its `verification_uri` is `/device`, which this server does not serve. */
  deviceAuthorizationUrl: string;
  authority: TokenAuthority;
  close(): Promise<void>;
}

/** A real OAuth 2 token endpoint on 127.0.0.1, port 0, answering `POST /token` (and `/revoke`, `/device_authorization`) with its `TokenAuthority`. */
export async function startTokenServer(options: TokenServerOptions = {}): Promise<TokenServer> {
  const authority = options.authority ?? new TokenAuthority(options);
  const server = http.createServer((request, response) => {
    if (request.method === 'POST' && request.url === '/token') return authority.handle(request, response);
    if (request.method === 'POST' && request.url === '/revoke') return authority.handleRevocation(request, response);
    if (request.method === 'POST' && request.url === '/device_authorization') return authority.handleDeviceAuthorization(request, response);
    response.writeHead(404).end();
  });
  server.keepAliveTimeout = 1000;
  await listen(server, 0);
  const { port } = server.address() as AddressInfo;
  return {
    tokenUrl: `http://127.0.0.1:${port}/token`,
    revocationUrl: `http://127.0.0.1:${port}/revoke`,
    deviceAuthorizationUrl: `http://127.0.0.1:${port}/device_authorization`,
    authority,
    close: () => {
      if (!options.authority) authority.close(); // a shared token side is its owner's to close
      return closeServer(server);
    },
  };
}
