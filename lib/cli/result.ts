import os from 'node:os';
import type { AuthMetrics } from '../auth/metrics';
import type { BenchOptions } from './args';
import { mergeOperations, mergeTimelines, type Marker, type Operation, type OperationFigures, type TimelinePoint } from './recorder';

/** Every message, accounted for: `sent = answered + lost + inFlightAtStop`. */
export interface MessageCounts {
  sent: number;
  answered: number;
  /** Not answered within the echo timeout, or left when its session failed. */
  lost: number;
  /** Still waiting for its echo when the run stopped (Ctrl-C or the end of --duration). */
  inFlightAtStop: number;
  duplicates: number;
}

/** One run (or several merged): what `--json` prints and `--out x.json` writes. */
export interface BenchResult {
  version: 1;
  tool: 'axios-ws-auth bench';
  options: Omit<BenchOptions, 'thresholds'> & { thresholds: string[] };
  machine: { hostname: string; cpus: number; platform: string; node: string };
  startedAt: string;
  finishedAt: string;
  /** Measured time (after the warm-up). */
  durationMs: number;
  /** Stopped early by Ctrl-C. */
  partial: boolean;
  messages: MessageCounts;
  operations: Record<Operation, OperationFigures>;
  timeline: TimelinePoint[];
  token: { requests: number; authentications: number; refreshes: number; renewals: number; serverSaw?: number };
  thresholds: Array<{ expression: string; held: boolean; actual: number }>;
  gateway: string;
  model: 'closed' | 'open';
  workers: number;
  sessions: { requested: number; created: number; streamed: number; failed: number };
  throughput: { messagesPerSecond: number; httpRequestsPerSecond: number };
  http: { requests: number; failures: number };
  ws: { connects: number; reconnects: number };
  auth: Pick<AuthMetrics, 'tokenRequests' | 'authentications' | 'refreshes' | 'refreshFailures' | 'fallbacks' | 'unauthorized' | 'storeHits'>;
  /** The first authentication failed: nothing could run. */
  authFailed: boolean;
  /** Embedded gateway only: what the server saw. */
  server?: { tokenRequests: number; expiredTokenRequests: number; renewals: number; closedWith4401: number };
  errors: { count: number; first: string[] };
  markers: Marker[];
}

export function machine(): BenchResult['machine'] {
  return { hostname: os.hostname(), cpus: os.cpus().length, platform: `${os.platform()} ${os.release()}`, node: process.version };
}

/** The figures a threshold can name (latencies in ms). */
export function thresholdFigures(result: Omit<BenchResult, 'thresholds'>): Record<string, number> {
  const figures: Record<string, number> = {
    rate: result.throughput.messagesPerSecond,
    sent: result.messages.sent,
    answered: result.messages.answered,
    lost: result.messages.lost,
    errors: result.errors.count,
    token_requests: result.token.serverSaw ?? result.token.requests,
    reconnects: result.ws.reconnects,
  };
  for (const [op, stats] of Object.entries(result.operations)) {
    for (const key of ['meanMs', 'p50Ms', 'p90Ms', 'p95Ms', 'p99Ms', 'p999Ms', 'maxMs'] as const) {
      const name = key.replace(/Ms$/, '');
      figures[`${op}.${name}`] = stats[key];
      if (op === 'message') figures[name] = stats[key]; // `p99` alone means the messages'
    }
  }
  return figures;
}

const add = <T extends object>(a: T, b: T): T => Object.fromEntries(Object.keys(a).map((key) => [key, ((a as Record<string, number>)[key] ?? 0) + ((b as Record<string, number>)[key] ?? 0)])) as T;

/** Runs of several workers (or machines) as one: counts added, histograms merged exactly, the longest duration. */
export function mergeResults(results: BenchResult[], overrides: Partial<BenchResult> = {}): BenchResult {
  const [first] = results;
  if (!first) throw new Error('nothing to merge');
  const durationMs = Math.max(...results.map((result) => result.durationMs));
  const seconds = durationMs / 1000 || 1;
  const messages = results.map((r) => r.messages).reduce(add);
  const http = results.map((r) => r.http).reduce(add);
  const token: BenchResult['token'] = results.map(({ token: { serverSaw: _ignored, ...rest } }) => rest).reduce(add);
  return {
    ...first,
    startedAt: results.map((r) => r.startedAt).sort()[0]!,
    finishedAt: results.map((r) => r.finishedAt).sort().at(-1)!,
    workers: results.reduce((sum, r) => sum + r.workers, 0),
    partial: results.some((r) => r.partial),
    durationMs,
    sessions: results.map((r) => r.sessions).reduce(add),
    messages,
    operations: mergeOperations(results.map((r) => r.operations)),
    timeline: mergeTimelines(results.map((r) => r.timeline)),
    markers: results.flatMap((r) => r.markers).sort((a, b) => a.t - b.t),
    token,
    throughput: { messagesPerSecond: round(messages.answered / seconds), httpRequestsPerSecond: round(http.requests / seconds) },
    http,
    ws: results.map((r) => r.ws).reduce(add),
    auth: results.map((r) => r.auth).reduce(add),
    authFailed: results.some((r) => r.authFailed),
    errors: { count: results.reduce((sum, r) => sum + r.errors.count, 0), first: [...new Set(results.flatMap((r) => r.errors.first))].slice(0, 10) },
    ...overrides,
  };
}

export const round = (value: number) => Math.round(value * 100) / 100;
