import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchOptions } from './args';
import type { BenchHooks, BenchProgress } from './bench';
import { mergeResults, thresholdFigures, type BenchResult } from './result';
import { startEmbeddedGateway, type SharedTarget } from './target';
import { evaluateThresholds } from './thresholds';

/** What a parent tells a worker, and what it hears back. */
export type ToWorker = { type: 'run'; options: BenchOptions; shared: SharedTarget } | { type: 'stop' };
export type FromWorker = { type: 'progress'; progress: BenchProgress } | { type: 'result'; result: BenchResult } | { type: 'failed'; message: string };

/**
 * `--workers N`: N processes on one identity, sharing a locking token store
 * (a file; the config's own `token_cache` when it has one, a `redis://` one
 * included), each with its share of the load; their results merged into one
 * (histograms exactly). The embedded gateway, if any, lives here, so the
 * server's count of token requests covers the whole fleet.
 */
export async function runWorkers(options: BenchOptions, hooks: BenchHooks, workerScript: string): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'axios-ws-auth-bench-'));
  const embedded = options.config ? undefined : await startEmbeddedGateway(options);
  const shared: SharedTarget = { tokenFile: path.join(dir, 'tokens.json'), ...(embedded && { baseUrl: embedded.baseUrl, wsUrl: embedded.wsUrl, tokenUrl: embedded.tokenUrl }) };
  const share = (total: number) => Math.max(1, Math.ceil(total / options.workers));
  const own: BenchOptions = { ...options, workers: 1, sessions: share(options.sessions), concurrency: share(options.concurrency), rate: options.rate === undefined ? undefined : options.rate / options.workers, outs: [], thresholds: [], stall: undefined };
  const workers: ChildProcess[] = [];
  const progress = new Map<ChildProcess, BenchProgress>();
  const stopAll = () => workers.forEach((worker) => worker.connected && worker.send({ type: 'stop' } satisfies ToWorker));
  hooks.signal?.addEventListener('abort', stopAll, { once: true });
  const stall = options.stall && embedded ? setTimeout(() => embedded.streams.stall(options.stall!.forMs), options.warmupMs + options.stall.atMs) : undefined;
  try {
    const results = await Promise.all(
      Array.from({ length: options.workers }, () => {
        const worker = fork(workerScript, ['bench-worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        workers.push(worker);
        return new Promise<BenchResult>((resolve, reject) => {
          worker.on('message', (message: FromWorker) => {
            if (message.type === 'progress') {
              progress.set(worker, message.progress);
              hooks.onProgress?.(sumProgress([...progress.values()]));
            } else if (message.type === 'result') resolve(message.result);
            else reject(new Error(`a worker failed: ${message.message}`));
          });
          worker.once('exit', (code) => reject(new Error(`a worker exited (${code}) before its result`)));
          worker.send({ type: 'run', options: own, shared } satisfies ToWorker);
        });
      }),
    );
    const stats = embedded?.stats();
    const merged = mergeResults(results, {
      options: { ...options, thresholds: options.thresholds.map((threshold) => threshold.expression) },
      gateway: embedded ? `embedded (${embedded.baseUrl}, token TTL ${options.tokenTtlSeconds} s)` : (options.config ?? ''),
      ...(stats && { server: { tokenRequests: stats.token.tokenRequests, expiredTokenRequests: stats.expiredTokenRequests, renewals: stats.ws.renewals, closedWith4401: stats.ws.closed['4401'] ?? 0 } }),
    });
    // As with one process: the token_requests threshold reads what the shared gateway counted, not the sum of the clients' counts.
    const withServer = stats ? { ...merged, token: { ...merged.token, serverSaw: stats.token.tokenRequests } } : merged;
    return { ...withServer, thresholds: evaluateThresholds(options.thresholds, thresholdFigures(withServer)) };
  } finally {
    if (stall) clearTimeout(stall);
    hooks.signal?.removeEventListener('abort', stopAll);
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
    await embedded?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function sumProgress(all: BenchProgress[]): BenchProgress {
  return all.reduce((a, b) => ({ elapsedMs: Math.max(a.elapsedMs, b.elapsedMs), durationMs: a.durationMs ?? b.durationMs, sent: a.sent + b.sent, answered: a.answered + b.answered, errors: a.errors + b.errors, refreshes: a.refreshes + b.refreshes }));
}
