#!/usr/bin/env node
import { SingleBar, Presets } from 'cli-progress';
import { parseBenchArgs, UsageError, USAGE } from './args';
import { runBench } from './bench';
import { formatSummary } from './summary';

/** Runs the `axios-ws-auth` command; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
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
    const summary = await runBench(options, { signal: interrupt.signal, onProgress: (done) => bar?.update(done) });
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

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
