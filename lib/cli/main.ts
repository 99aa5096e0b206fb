#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { parseBenchArgs, UsageError, USAGE } from './args';
import { runBench } from './bench';
import { formatSummary } from './summary';

/** Runs the `axios-ws-auth` command; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v' || command === 'version') {
    console.log(packageVersion());
    return 0;
  }
  if (command === undefined) {
    console.error(`axios-ws-auth: no command given\n\n${USAGE}`);
    return 2;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (command !== 'bench') {
    console.error(`axios-ws-auth: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    return 2;
  }
  let options;
  try {
    options = parseBenchArgs(rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`axios-ws-auth: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }

  const interrupt = new AbortController();
  // The first Ctrl-C stops the run and prints what was measured; a second one does not wait.
  const onSigint = () => (interrupt.signal.aborted ? process.exit(130) : interrupt.abort());
  process.on('SIGINT', onSigint);
  const bar = !options.json && process.stderr.isTTY ? new SingleBar({ stream: process.stderr, format: 'bench [{bar}] {percentage}% | {value}/{total} messages | {eta}s left', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(options.sessions * options.messages, 0);
  try {
    const onWarning = (message: string) => console.error(`axios-ws-auth: warning: ${message}`);
    const summary = await runBench(options, { signal: interrupt.signal, onProgress: (done) => bar?.update(done), onWarning });
    bar?.stop();
    console.log(options.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
    if (interrupt.signal.aborted) return 130;
    return summary.errors.count > 0 || summary.sessions.failed > 0 ? 1 : 0;
  } catch (error) {
    bar?.stop();
    // Known failures (bad config, unreachable gateway) get one line, not a stack trace.
    const message = error instanceof Error ? error.message : String(error);
    console.error(`axios-ws-auth: ${message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
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
  });
}
