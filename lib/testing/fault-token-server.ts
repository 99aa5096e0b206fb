import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, listen } from './http-server';
import type { TokenAuthority } from './token-authority';

/** Ways a token endpoint can misbehave. */
export type TokenFault =
  /** `503` with an OAuth-shaped JSON body. */
  | 'status-503'
  /** `502` with an HTML error page, as a proxy in front of the endpoint sends it. */
  | 'html-502'
  /** `200` with an HTML login page. */
  | 'html-200'
  /** `200`, JSON content type, body cut short. */
  | 'truncated-json'
  /** Headers, part of the body, then the TCP connection is destroyed. */
  | 'reset-mid-response'
  /** No answer at all (until the server closes). */
  | 'no-answer'
  /** A well-formed token, but only after `SLOW_ANSWER_MS`: past any timeout a test sets. */
  | 'slow';

/** How long a `'slow'` answer takes. */
export const SLOW_ANSWER_MS = 1_500;
/** The access token a `'slow'` answer carries (no server accepts it). */
export const LATE_TOKEN = 'late-token-nobody-should-use';

/**
 * A real token endpoint on 127.0.0.1 in front of a `TokenAuthority`, that
 * answers the next requests with injected faults, counts requests and their
 * concurrency, and can be stopped and restarted on the same port.
 */
export class FaultTokenServer {
  private server: http.Server | undefined;
  private port = 0;
  private readonly faults: TokenFault[] = [];
  private inFlight = 0;
  /** Token requests received (faulty or not). */
  requests = 0;
  /** Most token requests being answered at one moment. */
  maxConcurrent = 0;
  /** Requests answered with an injected fault. */
  faulted = 0;

  constructor(readonly authority: TokenAuthority) {}

  get tokenUrl(): string {
    return `http://127.0.0.1:${this.port}/token`;
  }

  /** The next `count` token requests get `fault`. */
  inject(fault: TokenFault, count = 1): void {
    for (let i = 0; i < count; i++) this.faults.push(fault);
  }

  /** Drops the faults not yet used. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  async start(): Promise<this> {
    const server = http.createServer((request, response) => this.handle(request, response));
    // Long enough that the manager's pooled socket is never cut between two of a test's steps.
    server.keepAliveTimeout = 30_000;
    await listen(server, this.port);
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** A crash: every connection cut, nothing listening (the port is kept for `start()`). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeServer(server);
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    if (request.method !== 'POST' || request.url !== '/token') {
      response.writeHead(404).end();
      return;
    }
    this.requests++;
    this.inFlight++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    response.on('close', () => this.inFlight--);
    const fault = this.faults.shift();
    if (fault === undefined) return this.authority.handle(request, response);
    this.faulted++;
    request.resume();
    request.on('end', () => {
      if (fault !== 'slow') return answerWithFault(fault, response);
      const timer = setTimeout(() => {
        if (!response.destroyed) response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: LATE_TOKEN, token_type: 'Bearer', expires_in: 3600 }));
      }, SLOW_ANSWER_MS);
      // The client gives up first; the answer is not written to a closed socket, and no timer outlives the test.
      response.on('close', () => clearTimeout(timer));
    });
  }
}

function answerWithFault(fault: TokenFault, response: http.ServerResponse): void {
  switch (fault) {
    case 'status-503':
      response.writeHead(503, { 'Content-Type': 'application/json' }).end('{"error":"temporarily_unavailable"}');
      return;
    case 'html-502':
      response.writeHead(502, { 'Content-Type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      return;
    case 'html-200':
      response.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><form action="/login">Sign in</form>');
      return;
    case 'truncated-json':
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"access_token":"eyJhbGciOi","token_ty');
      return;
    case 'reset-mid-response':
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '400' });
      response.write('{"access_token":"eyJhbGciOiJub25lIn0.');
      setImmediate(() => response.socket?.destroy());
      return;
    case 'no-answer':
    case 'slow':
      return;
  }
}

/** Starts a `FaultTokenServer` on 127.0.0.1, port 0. */
export function startFaultTokenServer(authority: TokenAuthority): Promise<FaultTokenServer> {
  return new FaultTokenServer(authority).start();
}
