import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeServer } from './token-server';

/** What the server does with one upgrade. */
export type ScriptStep =
  /** Accept, then close with this code and reason. */
  | { kind: 'close'; code: number; reason: string }
  /** Accept, then cut the TCP connection (1006 at the client). */
  | { kind: 'drop' }
  /** Answer the upgrade with this HTTP status instead of switching protocols. */
  | { kind: 'refuse'; status: number };

/**
 * A WebSocket server on 127.0.0.1 (port 0) that answers each upgrade with the
 * next step of a script, and accepts and holds the connection once the script
 * is used up. `consumed` lists the steps played, in order.
 */
export class ScriptedWsServer {
  private readonly server = http.createServer((_request, response) => response.writeHead(404).end());
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly held = new Set<WebSocket>();
  private script: ScriptStep[] = [];
  consumed: ScriptStep[] = [];
  /** Upgrades accepted after the script ran out. */
  holding = 0;

  constructor() {
    this.server.on('upgrade', (request, socket, head) => {
      socket.on('error', () => undefined);
      const step = this.script.shift();
      if (step) this.consumed.push(step);
      if (step?.kind === 'refuse') {
        socket.end(`HTTP/1.1 ${step.status} Scripted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        ws.on('error', () => undefined);
        if (step?.kind === 'close') return ws.close(step.code, step.reason);
        if (step?.kind === 'drop') return ws.terminate();
        this.holding++;
        this.held.add(ws);
        ws.on('close', () => this.held.delete(ws));
      });
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/stream`;
  }

  /** The steps for the next upgrades (replaces any left). */
  play(script: ScriptStep[]): void {
    this.script = [...script];
    this.consumed = [];
    this.holding = 0;
  }

  /** Cuts every held connection. */
  dropHeld(): void {
    for (const ws of this.held) ws.terminate();
    this.held.clear();
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await closeServer(this.server);
  }
}
