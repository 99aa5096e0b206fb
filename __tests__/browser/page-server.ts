import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';

/** A page and a bundle served from one loopback origin, plus JSON routes the test defines. */
export interface PageServer {
  origin: string;
  close(): Promise<void>;
}

export type Route = (body: unknown) => { status: number; json: unknown };

/**
 * Bundles `entry` as a browser app would (esbuild, platform browser: a Node
 * built-in anywhere in the graph fails the build) and serves it at /app.js,
 * an empty page at /, and `routes` (POST, JSON in and out).
 */
export async function startPageServer(entry: string, routes: Record<string, Route>): Promise<PageServer> {
  const bundle = await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent', absWorkingDir: path.resolve(__dirname, '../..') });
  const script = bundle.outputFiles[0]!.text;
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method === 'GET' && url === '/') return void response.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>test</title><script type="module" src="/app.js"></script>');
    if (request.method === 'GET' && url === '/app.js') return void response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
    if (request.method === 'GET' && url === '/favicon.ico') return void response.writeHead(204).end();
    const route = request.method === 'POST' ? routes[url] : undefined;
    if (!route) return void response.writeHead(404).end();
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      const { status, json } = route(text ? JSON.parse(text) : undefined);
      response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
