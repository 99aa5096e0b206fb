import { parseArgs } from 'node:util';

/** What `axios-ws-auth bench` was asked to do. */
export interface BenchOptions {
  /** A gateway YAML; absent means the embedded test gateway. */
  config: string | undefined;
  sessions: number;
  /** Messages per session. */
  messages: number;
  /** Sessions streaming at the same time. */
  concurrency: number;
  /** Stop after this long (a partial run still gets a summary). */
  durationMs: number | undefined;
  /** Token lifetime of the embedded gateway, seconds. */
  tokenTtlSeconds: number;
  json: boolean;
}

/** Bad command-line input: printed with the usage text, never as a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: axios-ws-auth bench [options]
       axios-ws-auth --version

Creates sessions over HTTP, streams messages over WebSocket and reads session
metrics, all through one AuthManager. Without --config it starts an embedded
test gateway with a short token lifetime, so refreshes happen during the run.

Options:
  --config <file>      gateway YAML (see README); default: embedded gateway
  --sessions <n>       sessions to create (default 20)
  --messages <n>       messages per session (default 2000)
  --concurrency <n>    sessions streaming at once (default 10)
  --duration <time>    stop after this long, e.g. 30s, 2m, 500ms
  --token-ttl <sec>    embedded gateway token lifetime (default 1)
  --json               print the summary as JSON
  -h, --help           this text`;

/** Parses `bench` arguments (after the command name). */
export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        sessions: { type: 'string' },
        messages: { type: 'string' },
        concurrency: { type: 'string' },
        duration: { type: 'string' },
        'token-ttl': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  return {
    config: values.config,
    sessions: positiveInteger('--sessions', values.sessions, 20),
    messages: positiveInteger('--messages', values.messages, 2000),
    concurrency: positiveInteger('--concurrency', values.concurrency, 10),
    durationMs: values.duration === undefined ? undefined : parseDuration(values.duration),
    tokenTtlSeconds: positiveNumber('--token-ttl', values['token-ttl'], 1),
    json: values.json ?? false,
  };
}

function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 1_000_000) throw new UsageError(`${flag} must be a whole number from 1 to 1000000, got ${JSON.stringify(value)}`);
  return number;
}

function positiveNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new UsageError(`${flag} must be a positive number, got ${JSON.stringify(value)}`);
  return number;
}

/** `500ms`, `30s`, `2m`, or a bare number of seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--duration must look like 30s, 2m or 500ms, got ${JSON.stringify(text)}`);
  const scale = { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm'];
  const ms = Number(match[1]) * scale;
  if (ms <= 0) throw new UsageError('--duration must be positive');
  return ms;
}
