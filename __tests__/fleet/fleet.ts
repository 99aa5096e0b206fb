import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import type { AuthMetrics } from '../../lib';
import { startTestGateway, type TestGateway } from '../../lib/testing';

/** What one worker reports after a round. */
export interface RoundResult {
  ok: number;
  failed: number;
  failures: string[];
  metrics: AuthMetrics;
}

const root = path.resolve(__dirname, '../..');
let script: string | undefined;

/** The worker fixture as one plain script (its packages resolved from the repo's node_modules). */
function workerScript(): string {
  if (script) return script;
  const outDir = path.join(root, '.tmp');
  mkdirSync(outDir, { recursive: true });
  script = path.join(outDir, 'fleet-worker.js');
  buildSync({ entryPoints: [path.join(__dirname, 'fixtures/fleet-worker.ts')], bundle: true, packages: 'external', platform: 'node', format: 'cjs', outfile: script, logLevel: 'error' });
  return script;
}

/** P real processes sharing one identity through one store. */
export class Fleet {
  private constructor(readonly workers: ChildProcess[]) {}

  static async start(size: number, args: { store: 'file' | 'file-unlocked' | 'redis' | 'memory'; target: string; tokenUrl: string; baseUrl: string; lockTtlMs?: number }): Promise<Fleet> {
    const file = workerScript();
    const workers = Array.from({ length: size }, () =>
      fork(file, [args.store, args.target, args.tokenUrl, args.baseUrl, String(args.lockTtlMs ?? 15_000)], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    const fleet = new Fleet(workers);
    await Promise.all(workers.map((worker) => fleet.next(worker, 'ready')));
    return fleet;
  }

  /** Every worker fires `requests` concurrent requests; resolves with each one's report. */
  round(requests: number, workers = this.workers): Promise<RoundResult[]> {
    const results = workers.map((worker) => this.next(worker, 'result') as Promise<RoundResult>);
    for (const worker of workers) worker.send({ type: 'round', requests });
    return Promise.all(results);
  }

  /** The next message of `type` from `worker` (rejects if it exits first, or after 30 s). */
  next(worker: ChildProcess, type: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no '${type}' from worker ${worker.pid} within 30 s`)), 30_000);
      const onMessage = (message: { type?: string }) => message?.type === type && done(undefined, message);
      const onExit = (code: number | null, signal: string | null) => done(new Error(`worker ${worker.pid} exited (${code ?? signal}) before '${type}'`));
      function done(error?: Error, message?: unknown): void {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        if (error) reject(error);
        else resolve(message);
      }
      worker.on('message', onMessage);
      worker.once('exit', onExit);
    });
  }

  /** Asks every live worker to stop, then kills whatever is left; resolves when all have exited. */
  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker) => {
        if (worker.exitCode !== null || worker.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        if (worker.connected) worker.send({ type: 'stop' });
        const killer = setTimeout(() => worker.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }),
    );
  }
}

/** Waits `ms` (between rounds: the tokens' real lifetime must pass at the real server). */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 4 processes × 250 concurrent requests per round; each round after the last round's token expired. */
export const PROCESSES = 4;
export const REQUESTS = 250;
export const ROUNDS = 5;
export const TTL_S = 1;

export interface FleetRun {
  perRound: Array<{ tokenRequests: number; failed: number }>;
  results: RoundResult[][];
}

/** Runs the rounds; counts what the token endpoint saw in each. */
export async function runRounds(gateway: TestGateway, fleet: Fleet, rounds = ROUNDS, between?: (round: number) => Promise<void>): Promise<FleetRun> {
  const run: FleetRun = { perRound: [], results: [] };
  for (let round = 0; round < rounds; round++) {
    await between?.(round);
    const before = gateway.authority.stats().tokenRequests;
    const results = await fleet.round(REQUESTS);
    run.results.push(results);
    run.perRound.push({ tokenRequests: gateway.authority.stats().tokenRequests - before, failed: results.reduce((sum, r) => sum + r.failed, 0) });
    await sleep(TTL_S * 1000 + 150); // the token every process holds has now expired at the server
  }
  return run;
}

// 100 ms at the token endpoint, as a real identity provider takes: flights of several processes overlap.
export const fleetGateway = () => startTestGateway({ accessTokenTtlSeconds: TTL_S, rotateRefreshTokens: true, detectReuse: true, tokenLatencyMs: 100 });

