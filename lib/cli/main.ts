#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseBenchArgs, UsageError, USAGE } from './args';
import { runBench, type BenchProgress } from './bench';
import { login, logout } from './login';
import { mergeReportFiles, writeReports } from './report';
import type { BenchResult } from './result';
import { formatSummary } from './summary';
import { runWorkers, type FromWorker, type ToWorker } from './workers';

/** Runs the `axios-ws-auth` command; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v' || command === 'version') {
    console.log(packageVersion());
    return 0;
  }
  if (command === undefined) return usage('no command given');
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  try {
    if (command === 'bench') return await bench(rest);
    if (command === 'report') return report(rest);
    if (command === 'bench-worker') return await benchWorker();
    if (command === 'login' || command === 'logout') return await loginCommand(command, rest);
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }
  return usage(`unknown command ${JSON.stringify(command)}`);
}

async function loginCommand(command: 'login' | 'logout', args: string[]): Promise<number> {
  const interrupt = new AbortController();
  // Ctrl-C while waiting for the user ends the device authorization; a second one does not wait.
  const onSigint = () => (interrupt.signal.aborted ? process.exit(130) : interrupt.abort());
  process.on('SIGINT', onSigint);
  const io = { out: (line: string) => console.log(line), err: (line: string) => console.error(line), signal: interrupt.signal };
  try {
    const code = await (command === 'login' ? login(args, io) : logout(args, io));
    return interrupt.signal.aborted ? 130 : code;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // A bad config file: one line naming the key, not a stack trace.
    console.error(`axios-ws-auth: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function usage(message: string): number {
  console.error(`axios-ws-auth: ${message}\n\n${USAGE}`);
  return 2;
}

async function bench(args: string[]): Promise<number> {
  const options = parseBenchArgs(args);
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const interrupt = new AbortController();
  // The first Ctrl-C stops the run and prints what was measured; a second one does not wait.
  const onSigint = () => (interrupt.signal.aborted ? process.exit(130) : interrupt.abort());
  process.on('SIGINT', onSigint);
  const live = !options.json && process.stderr.isTTY;
  const onProgress = live ? (progress: BenchProgress) => process.stderr.write(`\r${progressLine(progress)}\x1b[K`) : undefined;
  const onWarning = (message: string) => console.error(`axios-ws-auth: warning: ${message}`);
  let result: BenchResult;
  try {
    const hooks = { signal: interrupt.signal, ...(onProgress && { onProgress }), onWarning };
    result = options.workers > 1 ? await runWorkers(options, hooks, __filename) : await runBench(options, hooks);
  } catch (error) {
    // Known failures (bad config, unreachable gateway) get one line, not a stack trace.
    console.error(`${live ? '\n' : ''}axios-ws-auth: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (live) process.stderr.write('\n');
  writeReports(result, options.outs);
  console.log(options.json ? JSON.stringify(result, null, 2) : formatSummary(result));
  if (interrupt.signal.aborted) return 130;
  const failed = result.authFailed || result.errors.count > 0 || result.sessions.failed > 0 || result.thresholds.some((threshold) => !threshold.held);
  return failed ? 1 : 0;
}

function report(args: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string', multiple: true }, threshold: { type: 'string', multiple: true } } });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const outs = parsed.values.out ?? [];
  if (outs.length === 0) throw new UsageError('report needs --out <file.html|file.json>');
  const merged = mergeReportFiles(parsed.positionals, parsed.values.threshold);
  writeReports(merged, outs);
  console.log(formatSummary(merged));
  return merged.thresholds.some((threshold) => !threshold.held) ? 1 : 0;
}

/** One process of `--workers`: runs its share when told, reports progress and its result over IPC. */
function benchWorker(): Promise<number> {
  return new Promise((resolve) => {
    const interrupt = new AbortController();
    process.on('SIGINT', () => undefined); // the parent decides when to stop
    process.on('message', (message: ToWorker) => {
      if (message.type === 'stop') return interrupt.abort();
      let last = 0;
      const onProgress = (progress: BenchProgress) => {
        if (Date.now() - last < 200) return;
        last = Date.now();
        process.send?.({ type: 'progress', progress } satisfies FromWorker);
      };
      runBench(message.options, { signal: interrupt.signal, onProgress }, message.shared).then(
        (result) => process.send?.({ type: 'result', result } satisfies FromWorker, () => resolve(0)),
        (error: unknown) => process.send?.({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromWorker, () => resolve(1)),
      );
    });
  });
}

function progressLine({ elapsedMs, durationMs, sent, answered, errors, refreshes }: BenchProgress): string {
  const seconds = elapsedMs / 1000;
  const of = durationMs === undefined ? '' : ` / ${(durationMs / 1000).toFixed(0)} s`;
  return `bench ${seconds.toFixed(1)} s${of} | ${sent} sent, ${answered} answered (${seconds > 0 ? Math.round(answered / seconds) : 0}/s) | ${errors} errors | ${refreshes} refreshes`;
}

/** The installed package's version (package.json is found above this file, in lib/ or dist/). */
function packageVersion(): string {
  for (let dir = __dirname, n = 0; n < 5; dir = path.dirname(dir), n++) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'axios-ws-auth' && manifest.version) return manifest.version;
    } catch {
      // not here: one directory up
    }
  }
  return 'unknown';
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    if (process.argv[2] === 'bench-worker') process.disconnect?.();
  });
}
