import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A redis-server of the test's own: 127.0.0.1, a free port, no persistence, a temp dir; stopped by its pid. */
export interface TestRedis {
  port: number;
  url: string;
  /** Kills the server (SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (an outage that ends). */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

export async function startRedis(binaryPath: string, options: { password?: string } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'axios-ws-auth-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no'];
  if (options.password) args.push('--requirepass', options.password);

  const start = async (): Promise<void> => {
    const started = spawn(binaryPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => fail(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms: ${output.slice(-500)}`)), START_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) done();
      };
      const onExit = (code: number | null) => fail(new Error(`redis-server exited (${code}) before it was ready: ${output.slice(-500)}`));
      const cleanup = () => {
        clearTimeout(timer);
        started.stdout?.off('data', onData);
        started.off('exit', onExit);
      };
      const done = () => {
        cleanup();
        // Keep draining its output so a full pipe never blocks it.
        started.stdout?.resume();
        started.stderr?.resume();
        resolve();
      };
      const fail = (error: Error) => {
        cleanup();
        started.kill('SIGKILL');
        reject(error);
      };
      started.stdout?.on('data', onData);
      started.once('exit', onExit);
    });
  };

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
