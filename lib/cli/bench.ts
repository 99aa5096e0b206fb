import { performance } from 'node:perf_hooks';
import { AuthManager } from '../auth/auth-manager';
import type { AuthMetrics } from '../auth/metrics';
import { summarize } from '../auth/metrics';
import { loadConfig } from '../config/load-config';
import { safeCause } from '../errors';
import { GatewayClient } from '../gateway/gateway-client';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import type { BenchOptions } from './args';

/** Messages in flight per session before the sender waits for echoes. */
const WINDOW = 16;
/** An echo slower than this counts the message as unanswered. */
const ECHO_TIMEOUT_MS = 5_000;

type Percentiles = ReturnType<typeof summarize>;

/** Everything the bench measured; `--json` prints it as is. */
export interface BenchSummary {
  gateway: string;
  /** False when stopped early (Ctrl-C or `--duration`). */
  completed: boolean;
  durationMs: number;
  sessions: { requested: number; created: number; streamed: number; failed: number };
  messages: { sent: number; echoed: number; unanswered: number; duplicates: number };
  throughput: { messagesPerSecond: number; httpRequestsPerSecond: number };
  latencyMs: { message: Percentiles; createSession: Percentiles; sessionMetrics: Percentiles };
  http: { requests: number; failures: number };
  ws: { connects: number; reconnects: number };
  auth: AuthMetrics;
  /** Embedded gateway only: what the server saw. */
  server?: { tokenRequests: number; expiredTokenRequests: number; renewals: number; closedWith4401: number };
  errors: { count: number; first: string[] };
}

export interface BenchHooks {
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops the run early; the summary is still produced. */
  signal?: AbortSignal;
  /** The config's warnings (unknown keys…), before the run starts. */
  onWarning?: (message: string) => void;
}

/** Runs the bench: sessions over HTTP, messages over WebSocket, all through one AuthManager. */
export async function runBench(options: BenchOptions, hooks: BenchHooks = {}): Promise<BenchSummary> {
  let embedded: TestGateway | undefined;
  let client: GatewayClient;
  if (options.config) {
    const config = await loadConfig(options.config);
    for (const warning of config.warnings) hooks.onWarning?.(warning);
    client = GatewayClient.fromConfig(config);
  } else {
    embedded = await startTestGateway({ accessTokenTtlSeconds: options.tokenTtlSeconds, tokenLatencyMs: 10 });
    const auth = new AuthManager({ grant: 'password', tokenUrl: embedded.tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password', autoRefresh: true });
    client = new GatewayClient({ baseUrl: embedded.baseUrl, wsUrl: embedded.wsUrl, auth });
  }
  const run = new BenchRun(client, options, hooks);
  try {
    return await run.execute(embedded);
  } finally {
    await client.close();
    client.auth.close();
    await embedded?.close();
  }
}

class BenchRun {
  private readonly stop = new AbortController();
  /** Channels streaming now: a stop closes them, so no connect() or send() keeps the run waiting. */
  private readonly live = new Set<{ close(): Promise<void> }>();
  private readonly messageLatencies: number[] = [];
  private readonly createLatencies: number[] = [];
  private readonly metricsLatencies: number[] = [];
  private readonly errorMessages: string[] = [];
  private counts = { created: 0, streamed: 0, failed: 0, sent: 0, echoed: 0, unanswered: 0, duplicates: 0, httpRequests: 0, httpFailures: 0, connects: 0, reconnects: 0, errors: 0 };

  constructor(
    private readonly client: GatewayClient,
    private readonly options: BenchOptions,
    private readonly hooks: BenchHooks,
  ) {}

  async execute(embedded: TestGateway | undefined): Promise<BenchSummary> {
    const started = performance.now();
    const stopRun = () => {
      this.stop.abort();
      for (const channel of this.live) void channel.close();
    };
    this.hooks.signal?.addEventListener('abort', stopRun, { once: true });
    const deadline = this.options.durationMs === undefined ? undefined : setTimeout(stopRun, this.options.durationMs);
    deadline?.unref();
    let next = 0;
    const worker = async () => {
      while (next < this.options.sessions && !this.stop.signal.aborted) await this.runSession(next++);
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.options.concurrency, this.options.sessions) }, worker));
    } finally {
      if (deadline) clearTimeout(deadline);
      this.hooks.signal?.removeEventListener('abort', stopRun);
    }
    return this.summary(performance.now() - started, embedded);
  }

  private async runSession(index: number): Promise<void> {
    let sessionId: string;
    try {
      sessionId = (await this.http(this.createLatencies, () => this.client.createSession({ bench: true, index }))).sessionId;
      this.counts.created++;
    } catch (error) {
      this.counts.failed++;
      this.fail(error);
      return;
    }
    const channel = this.client.openSession(sessionId, { renewOnOpenSocket: (token) => ({ type: 'auth', token }) });
    this.live.add(channel);
    const pending = new Map<number, number>();
    let wake: (() => void) | undefined;
    channel.on('open', () => {
      this.counts.connects++;
      // After a reconnect, what the old socket may have lost goes again; echoes are matched by id.
      for (const id of pending.keys()) channel.send({ type: 'bench', id }).catch(() => undefined);
    });
    channel.on('reconnecting', () => this.counts.reconnects++);
    channel.on('error', (error) => this.fail(error));
    channel.on('message', (data) => {
      const id = echoedId(data);
      if (id === undefined) return;
      const sentAt = pending.get(id);
      if (sentAt === undefined) {
        this.counts.duplicates++;
        return;
      }
      pending.delete(id);
      this.counts.echoed++;
      this.messageLatencies.push(performance.now() - sentAt);
      this.hooks.onProgress?.(this.counts.echoed + this.counts.unanswered, this.options.sessions * this.options.messages);
      wake?.();
    });
    try {
      await channel.connect();
      for (let id = 0; id < this.options.messages && !this.stop.signal.aborted; id++) {
        while (pending.size >= WINDOW && !this.stop.signal.aborted) await this.waitForEcho(pending, (resolve) => (wake = resolve));
        pending.set(id, performance.now());
        this.counts.sent++;
        await channel.send({ type: 'bench', id });
      }
      while (pending.size > 0 && !this.stop.signal.aborted) await this.waitForEcho(pending, (resolve) => (wake = resolve));
      await this.http(this.metricsLatencies, () => this.client.getSessionMetrics(sessionId));
      this.counts.streamed++;
    } catch (error) {
      // A channel closed by a stop is not a failed session.
      if (!this.stop.signal.aborted) {
        this.counts.failed++;
        this.fail(error);
      }
    } finally {
      // Messages still in flight when the run was stopped are not failures; any other leftover is.
      if (!this.stop.signal.aborted) this.counts.unanswered += pending.size;
      this.live.delete(channel);
      await channel.close();
    }
  }

  /** Waits for the next echo; past the timeout, the oldest message counts as unanswered. */
  private async waitForEcho(pending: Map<number, number>, arm: (resolve: () => void) => void): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let onStop: (() => void) | undefined;
    const answered = await new Promise<boolean>((resolve) => {
      arm(() => resolve(true));
      timer = setTimeout(() => resolve(false), ECHO_TIMEOUT_MS);
      onStop = () => resolve(true);
      this.stop.signal.addEventListener('abort', onStop, { once: true });
    });
    clearTimeout(timer);
    if (onStop) this.stop.signal.removeEventListener('abort', onStop);
    if (!answered) {
      const oldest = pending.keys().next();
      if (!oldest.done) {
        pending.delete(oldest.value);
        this.counts.unanswered++;
      }
    }
  }

  private async http<T>(latencies: number[], call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    this.counts.httpRequests++;
    try {
      const result = await call();
      latencies.push(performance.now() - started);
      return result;
    } catch (error) {
      this.counts.httpFailures++;
      throw error;
    }
  }

  private fail(error: unknown): void {
    this.counts.errors++;
    const message = safeCause(error).message;
    if (this.errorMessages.length < 10 && !this.errorMessages.includes(message)) this.errorMessages.push(message);
  }

  private summary(durationMs: number, embedded: TestGateway | undefined): BenchSummary {
    const { counts } = this;
    const seconds = durationMs / 1000;
    const stats = embedded?.stats();
    return {
      gateway: embedded ? `embedded (${embedded.baseUrl}, token TTL ${this.options.tokenTtlSeconds} s)` : (this.options.config ?? ''),
      completed: !this.stop.signal.aborted,
      durationMs: Math.round(durationMs),
      sessions: { requested: this.options.sessions, created: counts.created, streamed: counts.streamed, failed: counts.failed },
      messages: { sent: counts.sent, echoed: counts.echoed, unanswered: counts.unanswered, duplicates: counts.duplicates },
      throughput: { messagesPerSecond: round(counts.echoed / seconds), httpRequestsPerSecond: round(counts.httpRequests / seconds) },
      latencyMs: { message: rounded(this.messageLatencies), createSession: rounded(this.createLatencies), sessionMetrics: rounded(this.metricsLatencies) },
      http: { requests: counts.httpRequests, failures: counts.httpFailures },
      ws: { connects: counts.connects, reconnects: counts.reconnects },
      auth: this.client.auth.metrics(),
      ...(stats && {
        server: { tokenRequests: stats.token.tokenRequests, expiredTokenRequests: stats.expiredTokenRequests, renewals: stats.ws.renewals, closedWith4401: stats.ws.closed['4401'] ?? 0 },
      }),
      errors: { count: counts.errors + counts.unanswered, first: this.errorMessages },
    };
  }
}

function echoedId(data: string | Buffer): number | undefined {
  try {
    const message = JSON.parse(String(data)) as { data?: { type?: unknown; id?: unknown } };
    return message.data?.type === 'bench' && typeof message.data.id === 'number' ? message.data.id : undefined;
  } catch {
    return undefined;
  }
}

const round = (value: number) => Math.round(value * 100) / 100;

function rounded(samples: number[]): Percentiles {
  const summary = summarize(samples);
  return summary && { p50: round(summary.p50), p95: round(summary.p95), p99: round(summary.p99), max: round(summary.max) };
}
