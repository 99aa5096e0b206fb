import type { IncomingMessage, Server } from 'node:http';

/** Listens on 127.0.0.1 (`port` 0: a free one). */
export function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops listening and cuts every connection, idle keep-alive ones included (they would hold `close` for seconds). */
export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}

/** Calls back with the body as text, or `undefined` when it is over `limit` bytes (the rest is drained, not kept). */
export function readBody(request: IncomingMessage, limit: number, done: (body: string | undefined) => void): void {
  const chunks: Buffer[] = [];
  let bytes = 0;
  request.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes <= limit) chunks.push(chunk);
  });
  request.on('end', () => done(bytes > limit ? undefined : Buffer.concat(chunks).toString('utf8')));
}
