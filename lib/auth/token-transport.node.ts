import http from 'node:http';
import https from 'node:https';

// Agents of our own: Node's global agent closes a socket idle for 5 s, which a
// slow connect under load turns into a bogus timeout; `timeoutMs` is the limit.
const httpAgent = new http.Agent({ keepAlive: true });
const httpsAgent = new https.Agent({ keepAlive: true });

/**
 * How token requests travel in Node: the http adapter (whose redirects
 * `maxRedirects: 0` stops) on keep-alive agents. The browser build swaps this
 * module for `token-transport.browser.ts`.
 */
export function tokenTransport(defaultAdapter: unknown): Record<string, unknown> {
  // A function (axios-mock-adapter, a custom transport) is the user's own choice and is kept.
  return { adapter: typeof defaultAdapter === 'function' ? defaultAdapter : 'http', httpAgent, httpsAgent };
}
