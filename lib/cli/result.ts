import os from 'node:os';
import type { AuthMetrics } from '../auth/metrics';
import type { BenchOptions } from './args';
import { mergeFigures, percentilesOf, type Marker, type Percentiles, type RecordedFigures, type TimelinePoint } from './recorder';

/** Every message, accounted for: `sent = answered + lost + inFlightAtStop`. */
export interface MessageCounts {
  sent: number;
  answered: number;
  /** Not answered within the echo timeout, or left when its session failed. */
  lost: number;
  /** Still waiting for its echo when the run was stopped (Ctrl-C or the end of --duration). */
  inFlightAtStop: number;
  duplicates: number;
}

/** One run (or several merged): what `--json` prints and `--out x.json` writes. */
export interface BenchResult {
  tool: 'axios-ws-auth bench';
  version: 1;
  startedAt: string;
  machine: { hostname: string; cpus: number; platform: string; node: string };
  options: Omit<BenchOptions, 'thresholds'> & { thresholds: string[] };
  gateway: string;
  model: 'closed' | 'open';
  workers: number;
  /** False when stopped early by Ctrl-C. */
  completed: boolean;
  /** Measured time (after the warm-up). */
  durationMs: number;
  sessions: { requested: number; created: number; streamed: number; failed: number };
  messages: MessageCounts;
  throughput: { messagesPerSecond: number; httpRequestsPerSecond: number };
  latencyMs: { message: Percentiles; createSession: Percentiles; sessionMetrics: Percentiles };
  http: { requests: number; failures: number };
  ws: { connects: number; reconnects: number };
  auth: Pick<AuthMetrics, 'tokenRequests' | 'authentications' | 'refreshes' | 'refreshFailures' | 'fallbacks' | 'unauthorized' | 'storeHits'>;
  /** The first authentication failed: nothing could run. */
  authFailed: boolean;
  /** Embedded gateway only: what the server saw. */
  server?: { tokenRequests: number; expiredTokenRequests: number; renewals: number; closedWith4401: number };
  errors: { count: number; first: string[] };
  thresholds: Array<{ expression: string; actual: number; held: boolean }>;
  figures: RecordedFigures;
}

export function machine(): BenchResult['machine'] {
  return { hostname: os.hostname(), cpus: os.cpus().length, platform: `${os.platform()} ${os.release()}`, node: process.version };
}

/** The figures a threshold can name. */
export function thresholdFigures(result: Omit<BenchResult, 'thresholds'>): Record<string, number> {
  const { message, createSession, sessionMetrics } = result.latencyMs;
  return {
    'message.p50': message.p50, 'message.p90': message.p90, 'message.p95': message.p95, 'message.p99': message.p99, 'message.p999': message.p999, 'message.max': message.max, 'message.mean': message.mean,
    'createSession.p99': createSession.p99, 'sessionMetrics.p99': sessionMetrics.p99,
    rate: result.throughput.messagesPerSecond, sent: result.messages.sent, answered: result.messages.answered, lost: result.messages.lost,
    errors: result.errors.count, token_requests: result.server?.tokenRequests ?? result.auth.tokenRequests, reconnects: result.ws.reconnects,
  };
}

const add = <T extends Record<string, number>>(a: T, b: T): T => Object.fromEntries(Object.keys(a).map((key) => [key, (a[key] ?? 0) + (b[key] ?? 0)])) as T;

/** Runs of several workers (or machines) as one: counts added, histograms merged exactly, the longest duration. */
export function mergeResults(results: BenchResult[], overrides: Partial<BenchResult> = {}): BenchResult {
  const [first] = results;
  if (!first) throw new Error('nothing to merge');
  const figures = mergeFigures(results.map((result) => result.figures));
  const durationMs = Math.max(...results.map((result) => result.durationMs));
  const seconds = durationMs / 1000 || 1;
  const messages = results.map((r) => r.messages).reduce((a, b) => add(a as unknown as Record<string, number>, b as unknown as Record<string, number>) as unknown as MessageCounts);
  const http = results.map((r) => r.http).reduce((a, b) => add(a, b));
  const { merged } = figures;
  return {
    ...first,
    workers: results.reduce((sum, r) => sum + r.workers, 0),
    completed: results.every((r) => r.completed),
    durationMs,
    sessions: results.map((r) => r.sessions).reduce((a, b) => add(a, b)),
    messages,
    throughput: { messagesPerSecond: round(messages.answered / seconds), httpRequestsPerSecond: round(http.requests / seconds) },
    latencyMs: { message: percentilesOf(merged.message), createSession: percentilesOf(merged.createSession), sessionMetrics: percentilesOf(merged.sessionMetrics) },
    http,
    ws: results.map((r) => r.ws).reduce((a, b) => add(a, b)),
    auth: results.map((r) => r.auth).reduce((a, b) => add(a, b)),
    authFailed: results.some((r) => r.authFailed),
    errors: { count: results.reduce((sum, r) => sum + r.errors.count, 0), first: [...new Set(results.flatMap((r) => r.errors.first))].slice(0, 10) },
    figures: { histograms: figures.histograms, timeline: figures.timeline, markers: figures.markers },
    ...overrides,
  };
}

export const round = (value: number) => Math.round(value * 100) / 100;
export type { Marker, TimelinePoint };
