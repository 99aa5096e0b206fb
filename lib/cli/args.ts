import { parseArgs } from 'node:util';
import { parseThreshold, type Threshold } from './thresholds';

/** What `axios-ws-auth bench` was asked to do. */
export interface BenchOptions {
  /** A gateway YAML; absent means the embedded test gateway. */
  config: string | undefined;
  sessions: number;
  /** Messages per session (closed model without `--duration`). */
  messages: number;
  /** Sessions streaming at the same time. */
  concurrency: number;
  /** Sustain the load this long (both models); without it a closed run sends `messages` per session. */
  durationMs: number | undefined;
  /** Open model: messages per second in all, on a schedule (latency counted from the intended send time). */
  rate: number | undefined;
  /** Load before measurement starts (not in the figures). */
  warmupMs: number;
  /** Processes on one identity (a locking token store between them). */
  workers: number;
  thresholds: Threshold[];
  /** Report files: `.json` and/or `.html`. */
  outs: string[];
  /** Token lifetime of the embedded gateway, seconds. */
  tokenTtlSeconds: number;
  /** Embedded gateway only: hold every stream reply for `forMs` at `atMs` into the run (to see a stall in the figures). */
  stall: { atMs: number; forMs: number } | undefined;
  json: boolean;
}

/** Bad command-line input: printed with the usage text, never as a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: axios-ws-auth bench [options]
       axios-ws-auth report <run.json>... --out <report.html|report.json>
       axios-ws-auth login --config <file>    sign in (device code: shows a code to enter) and cache the tokens in token_cache
       axios-ws-auth logout --config <file>   revoke the cached tokens and remove them
       axios-ws-auth --version

Creates sessions over HTTP, streams messages over WebSocket and reads session
metrics, all through one AuthManager. Without --config it starts an embedded
test gateway with a short token lifetime, so refreshes happen during the run.

Options:
  --config <file>        gateway YAML (see README); default: embedded gateway
  --sessions <n>         sessions to create (default 20)
  --messages <n>         messages per session, closed model without --duration (default 2000)
  --concurrency <n>      sessions streaming at once (default 10)
  --duration <time>      sustain the load this long, e.g. 30s, 2m, 500ms
  --rate <n>             open model: n messages/s in all, on a schedule
  --warmup <time>        load before measuring (not in the figures)
  --workers <n>          processes on one identity, sharing one token store (default 1)
  --threshold <expr>     e.g. 'message.p99 < 250', 'lost == 0', 'rate >= 400' (repeatable; exit 1 if one fails)
  --out <file>           write the run as .json or a self-contained .html report (repeatable)
  --token-ttl <sec>      embedded gateway token lifetime (default 1)
  --json                 print the summary as JSON
  -h, --help             this text`;

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
        rate: { type: 'string' },
        warmup: { type: 'string' },
        workers: { type: 'string' },
        threshold: { type: 'string', multiple: true },
        out: { type: 'string', multiple: true },
        'token-ttl': { type: 'string' },
        'embedded-stall': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const outs = values.out ?? [];
  for (const out of outs) if (!/\.(json|html)$/i.test(out)) throw new UsageError(`--out must name a .json or .html file, got ${JSON.stringify(out)}`);
  return {
    config: values.config,
    sessions: positiveInteger('--sessions', values.sessions, 20),
    messages: positiveInteger('--messages', values.messages, 2000),
    concurrency: positiveInteger('--concurrency', values.concurrency, 10),
    durationMs: values.duration === undefined ? undefined : parseDuration(values.duration, '--duration'),
    rate: values.rate === undefined ? undefined : positiveNumber('--rate', values.rate, 0),
    warmupMs: values.warmup === undefined ? 0 : parseDuration(values.warmup, '--warmup'),
    workers: positiveInteger('--workers', values.workers, 1),
    thresholds: (values.threshold ?? []).map((text) => parseThreshold(text, (message) => new UsageError(message))),
    outs,
    tokenTtlSeconds: positiveNumber('--token-ttl', values['token-ttl'], 1),
    stall: values['embedded-stall'] === undefined ? undefined : parseStall(values['embedded-stall']),
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
export function parseDuration(text: string, flag = '--duration'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag} must look like 30s, 2m or 500ms, got ${JSON.stringify(text)}`);
  const scale = { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm'];
  const ms = Number(match[1]) * scale;
  if (ms <= 0) throw new UsageError(`${flag} must be positive`);
  return ms;
}

/** `1s:500ms`: at one second into the run, for half a second. */
function parseStall(text: string): { atMs: number; forMs: number } {
  const [at, length] = text.split(':');
  if (at === undefined || length === undefined) throw new UsageError(`--embedded-stall must look like 1s:500ms, got ${JSON.stringify(text)}`);
  return { atMs: parseDuration(at, '--embedded-stall'), forMs: parseDuration(length, '--embedded-stall') };
}
