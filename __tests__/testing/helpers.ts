import WebSocket from 'ws';
import type { TestGateway } from '../../lib/testing';

/** A client socket that records what it receives; every one is terminated by `closeSockets()`. */
export interface TestSocket {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  /** Resolves with the n-th message (0-based) once it has arrived. */
  message(index: number): Promise<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  send(json: unknown): void;
}

const sockets = new Set<WebSocket>();

export function closeSockets(): void {
  for (const ws of sockets) ws.terminate();
  sockets.clear();
}

/** Opens a socket; rejects with `{ status, headers }` when the upgrade is refused. */
export function connect(url: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<TestSocket> {
  const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
  sockets.add(ws);
  const messages: Record<string, unknown>[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as Record<string, unknown>);
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: String(reason) });
      for (const wake of waiters.splice(0)) wake();
    }),
  );
  const message = (index: number) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = messages[index];
        if (found) return resolve(found);
        if (ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING) return reject(new Error(`closed before message ${index}`));
        waiters.push(check);
      };
      check();
    });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, message, closed, send: (json) => ws.send(JSON.stringify(json)) }));
    ws.once('unexpected-response', (_request, response) => {
      reject(Object.assign(new Error(`upgrade refused: ${response.statusCode}`), { status: response.statusCode, headers: response.headers }));
      response.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** The HTTP status of a refused upgrade (fails the test if it was accepted). */
export async function refusedStatus(url: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<{ status: number; headers: Record<string, unknown> }> {
  try {
    await connect(url, options);
  } catch (error) {
    const refused = error as { status?: number; headers?: Record<string, unknown> };
    if (refused.status !== undefined) return { status: refused.status, headers: refused.headers ?? {} };
    throw error;
  }
  throw new Error('the upgrade was accepted');
}

/** An access token straight from the gateway's authority (password grant of the default user). */
export function issueToken(gateway: TestGateway, username = 'user@example.com', password = 'password'): string {
  const { status, json } = gateway.authority.respond(new URLSearchParams({ grant_type: 'password', username, password, client_id: 'benchmark-client' }));
  if (status !== 200) throw new Error(`token request failed: ${status}`);
  return json['access_token'] as string;
}

/** The stream URL of a session. */
export function streamUrl(gateway: TestGateway, sessionId: string): string {
  return `${gateway.wsUrl}${gateway.paths.stream.replace(':id', sessionId)}`;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** An answer read as JSON (`{}` for an empty body), with its headers. */
export interface JsonAnswer {
  status: number;
  json: Record<string, unknown>;
  headers: Headers;
  text: string;
}

/** POSTs an `application/x-www-form-urlencoded` form (a field given as an array repeats). */
export async function postForm(url: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<JsonAnswer> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const one of Array.isArray(value) ? value : [value]) form.append(name, one);
  const response = await fetch(url, { method: 'POST', body: form, headers });
  return readAnswer(response);
}

/** Reads a fetch response's body as JSON when there is one. */
export async function readAnswer(response: Response): Promise<JsonAnswer> {
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers, text };
}

/** The claims of a JWT-shaped token (no signature check). */
export function claimsOf(token: unknown): Record<string, unknown> {
  return JSON.parse(Buffer.from(String(token).split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
