import { spawn, type ChildProcessByStdio } from 'node:child_process';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

import { driveDevicePages } from './device-pages';
import type { DeviceTarget, OidcProvider, OidcReady, OidcStats } from './types';

export type * from './types';

const READY_TIMEOUT_MS = 15_000;
const KILL_GRACE_MS = 3_000;
const EXIT_TIMEOUT_MS = 5_000;
const CONTROL_TIMEOUT_MS = 5_000;
const STDERR_KEPT = 8 * 1024;

type Child = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * Starts oidc-provider and the DPoP API in a child process (oidc-provider is ESM-only and jest
 * cannot load ESM) and resolves when it has printed its ready line: at most 15 s, else the child
 * is killed and the error carries its stderr. `AXIOS_WS_AUTH_OIDC_DEBUG=1` passes the child's
 * stderr (with oidc-provider's notices) through.
 */
export async function startOidcProvider(): Promise<OidcProvider> {
  const debug = process.env['AXIOS_WS_AUTH_OIDC_DEBUG'] === '1';
  const child: Child = spawn(process.execPath, [path.join(__dirname, 'provider.mjs')], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT);
    if (debug) process.stderr.write(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let ready: OidcReady;
  try {
    ready = await readyLine(child, () => stderr);
  } catch (error) {
    await kill(child, exited);
    throw error;
  }
  // Keep draining stdout so a chatty child never blocks on a full pipe.
  child.stdout.resume();

  const control = async <T>(method: 'GET' | 'POST', route: string, body?: object): Promise<T> => {
    const response = await fetch(`${ready.controlUrl}${route}`, {
      method,
      ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`oidc harness control ${method} ${route}: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  };

  return {
    ...ready,
    stats: () => control<OidcStats>('GET', '/stats'),
    resetStats: async () => {
      await control('POST', '/reset-stats');
    },
    rejectCurrentTokens: async () => (await control<{ rejected: number }>('POST', '/reject-current')).rejected,
    rotateApiNonce: async (options = {}) => (await control<{ nonce: string }>('POST', '/rotate-nonce', options)).nonce,
    approveDevice: (target: DeviceTarget, options: { login?: string } = {}) => driveDevicePages(target, { action: 'approve', login: options.login ?? 'device-user' }),
    denyDevice: (target: DeviceTarget) => driveDevicePages(target, { action: 'deny' }),
    close: () => kill(child, exited),
  };
}

/** The first stdout line, parsed; rejects on timeout, on an early exit, or on a line that is not the ready JSON. */
function readyLine(child: Child, stderr: () => string): Promise<OidcReady> {
  return new Promise<OidcReady>((resolve, reject) => {
    let buffered = '';
    const fail = (message: string) => {
      cleanup();
      reject(new Error(`oidc harness: ${message}\n--- child stderr ---\n${stderr()}`));
    };
    const timer = setTimeout(() => fail(`no ready line within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      const line = buffered.slice(0, newline);
      try {
        const parsed = JSON.parse(line) as OidcReady;
        if (typeof parsed.issuer !== 'string' || typeof parsed.apiUrl !== 'string') throw new Error('not the ready line');
        cleanup();
        resolve(parsed);
      } catch {
        fail(`unexpected first stdout line: ${line.slice(0, 500)}`);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => fail(`child exited (${code ?? signal}) before it was ready`);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}

/** SIGTERM by pid, SIGKILL if it is still there after the grace; resolves once it exited and its pipes are closed. */
async function kill(child: Child, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    signal(child.pid, 'SIGTERM');
    if (!(await within(exited, KILL_GRACE_MS))) {
      signal(child.pid, 'SIGKILL');
      if (!(await within(exited, EXIT_TIMEOUT_MS))) throw new Error(`oidc harness: child ${child.pid} did not exit after SIGKILL`);
    }
  }
  child.stdin.destroy();
  child.stdout.destroy();
  child.stderr.destroy();
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone between the check and the signal.
  }
}

/** Whether `promise` settles within `ms`; the timer never outlives the wait. */
async function within(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
