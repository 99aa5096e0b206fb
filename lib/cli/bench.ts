import { performance } from 'node:perf_hooks';
import { safeCause } from '../errors';
import type { GatewayClient } from '../gateway/gateway-client';
import type { TestGateway } from '../testing/test-gateway';
import type { SessionChannel } from '../ws/session-channel';
import type { BenchOptions } from './args';
import { Recorder, type Operation } from './recorder';
import { machine, round, thresholdFigures, type BenchResult, type MessageCounts } from './result';
import { openTarget, type SharedTarget } from './target';
import { parseEcho } from './echo';
import { streamClosed, streamOpen, type LaneClock, type Pending } from './schedules';
import { evaluateThresholds } from './thresholds';

/** An echo slower than this is lost. */
const ECHO_TIMEOUT_MS = 5_000;

/** What the live progress line shows. */
export interface BenchProgress {
  elapsedMs: number;
  durationMs: number | undefined;
  sent: number;
  answered: number;
  errors: number;
  refreshes: number;
}

export interface BenchHooks {
  onProgress?: (progress: BenchProgress) => void;
  /** Aborting stops the run early; the summary is still produced. */
  signal?: AbortSignal;
  /** The config's warnings (unknown keys…), before the run starts. */
  onWarning?: (message: string) => void;
}

/** Runs the bench in this process: sessions over HTTP, messages over WebSocket, all through one AuthManager. */
export async function runBench(options: BenchOptions, hooks: BenchHooks = {}, shared?: SharedTarget): Promise<BenchResult> {
  const target = await openTarget(options, hooks, shared);
  try {
    const result = await new BenchRun(target.client, options, hooks, target.embedded).execute(target.name);
    return { ...result, thresholds: evaluateThresholds(options.thresholds, thresholdFigures(result)) };
  } finally {
    await target.close();
  }
}



class BenchRun {
  private readonly stop = new AbortController();
  private readonly live = new Set<SessionChannel>();
  private readonly waiters = new Set<{ pending: Map<number, Pending>; wake: () => void }>();
  private readonly recorder = new Recorder(() => performance.now());
  private readonly errorMessages: string[] = [];
  private readonly messages: MessageCounts = { sent: 0, answered: 0, lost: 0, inFlightAtStop: 0, duplicates: 0 };
  private counts = { created: 0, streamed: 0, failed: 0, httpRequests: 0, httpFailures: 0, connects: 0, reconnects: 0, errors: 0, renewals: 0 };
  private readonly operationErrors: Record<Operation, number> = { message: 0, createSession: 0, sessionMetrics: 0 };
  private measuredFrom = 0;
  private measuredMs: number | undefined;
  /** The open model's schedule starts here for every session: a session that connects late catches up. */
  private scheduleFrom = 0;
  private authFailed = false;

  constructor(
    private readonly client: GatewayClient,
    private readonly options: BenchOptions,
    private readonly hooks: BenchHooks,
    private readonly embedded: TestGateway | undefined,
  ) {}

  async execute(gatewayName: string): Promise<Omit<BenchResult, 'thresholds'>> {
    const startedAt = new Date().toISOString();
    const { durationMs, warmupMs, stall } = this.options;
    const stopRun = () => {
      // What is answered from now on is in flight at the stop, not in the figures.
      if (this.recorder.measuring) this.measuredMs = performance.now() - this.measuredFrom;
      this.recorder.measuring = false;
      this.stop.abort();
      for (const waiter of [...this.waiters]) waiter.wake();
      for (const channel of this.live) void channel.close();
    };
    this.hooks.signal?.addEventListener('abort', stopRun, { once: true });
    const onToken = (event: { source: string }) => void (event.source !== 'store' && this.recorder.mark('token'));
    this.client.auth.on('token', onToken);
    const timers: NodeJS.Timeout[] = [];
    const later = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms)); // all cleared at the end
    const begin = () => (this.recorder.start(), (this.measuredFrom = performance.now()));
    if (warmupMs > 0) later(warmupMs, begin);
    else begin();
    // A timer may fire a millisecond early by performance.now(): the run lasts at least --duration.
    const stopOnTime = (): unknown => (performance.now() - this.measuredFrom < durationMs! ? later(1, stopOnTime) : stopRun());
    if (durationMs !== undefined) later(warmupMs + durationMs, stopOnTime);
    if (stall && this.embedded) later(warmupMs + stall.atMs, () => this.embedded?.streams.stall(stall.forMs));
    const progress = setInterval(() => this.report(), 250);
    const sweeper = setInterval(() => this.sweep(), 1_000);
    try {
      await this.client.auth.getAccessToken().catch((error: unknown) => Promise.reject(((this.authFailed = true), error)));
      this.scheduleFrom = performance.now();
      // Counted runs go through `sessions`; sustained ones reopen sessions as they finish, until the end.
      const total = durationMs === undefined ? this.options.sessions : Infinity;
      let next = 0;
      const lanes = Math.min(this.options.concurrency, total);
      const lane = async () => {
        const clock: LaneClock = { from: this.scheduleFrom };
        while (next < total && !this.stop.signal.aborted) await this.runSession(next++, clock, lanes);
      };
      await Promise.all(Array.from({ length: lanes }, lane));
    } catch (error) {
      this.fail(error);
    } finally {
      for (const timer of timers) clearTimeout(timer);
      clearInterval(progress);
      clearInterval(sweeper);
      this.client.auth.off('token', onToken);
      this.hooks.signal?.removeEventListener('abort', stopRun);
    }
    return this.result(startedAt, gatewayName, this.hooks.signal?.aborted === true);
  }

  private report(): void {
    const { sent, answered } = this.messages;
    this.hooks.onProgress?.({ elapsedMs: this.recorder.measuring ? performance.now() - this.measuredFrom : 0, durationMs: this.options.durationMs, sent, answered, errors: this.counts.errors, refreshes: this.client.auth.metrics().refreshes });
  }

  private async runSession(index: number, clock: LaneClock, lanes: number): Promise<void> {
    let sessionId: string;
    try {
      sessionId = (await this.http('createSession', () => this.client.createSession({ bench: true, index }))).sessionId;
      this.counts.created++;
    } catch (error) {
      this.counts.failed++;
      return this.fail(error);
    }
    const channel = this.client.openSession(sessionId, { renewOnOpenSocket: (token) => ({ type: 'auth', token }), maxQueuedMessages: 1_000_000 });
    this.live.add(channel);
    const pending = new Map<number, Pending>();
    let wake: (() => void) | undefined;
    // A channel that ended for good (a fatal close, failed authentication) ends the session now, not one swept message a second.
    let ended: Error | undefined;
    const alive = () => ended === undefined && !this.stop.signal.aborted;
    const hand = (id: number, entry: Pending) => channel.send({ type: 'bench', id }).then(() => void (entry.handed = true));
    channel.on('open', () => {
      this.counts.connects++;
      // After a reconnect, what the old socket may have lost goes again (echoes are matched by id); the queue sends the rest itself.
      for (const [id, entry] of pending) {
        if (!entry.handed) continue;
        entry.handed = false;
        hand(id, entry).catch(() => undefined);
      }
    });
    // Its error, if any, was emitted ('error', 'authFailed') and counted already.
    let endedReported = false;
    channel.on('authFailed', (error) => this.fail(error));
    channel.on('close', (event) => {
      if (this.stop.signal.aborted || ended) return;
      endedReported = event.error !== undefined;
      ended = event.error ?? new Error(`the session's channel ended (close ${event.code}${event.reason ? ` ${event.reason}` : ''})`);
      wake?.();
    });
    channel.on('reconnecting', () => (this.counts.reconnects++, this.recorder.mark('reconnect')));
    channel.on('error', (error) => this.fail(error));
    channel.on('message', (data) => {
      const echo = parseEcho(data);
      if (echo === 'renewal') return void (this.counts.renewals++, this.recorder.mark('renewal'));
      if (echo === undefined) return;
      const entry = pending.get(echo);
      if (!entry) return void this.messages.duplicates++;
      if (entry.measured && !this.recorder.measuring) return; // answered after the stop: it stays in flight
      pending.delete(echo);
      if (entry.measured) {
        this.messages.answered++;
        this.recorder.record('message', performance.now() - entry.from);
      }
      wake?.();
    });
    const send = (id: number, from: number) => {
      const entry: Pending = { from, measured: this.recorder.measuring, handed: false };
      pending.set(id, entry);
      if (entry.measured) {
        this.messages.sent++;
        this.recorder.sent();
      }
      return hand(id, entry);
    };
    try {
      await channel.connect();
      const waitForEcho = () => this.waitForEcho(pending, (resolve) => (wake = resolve));
      if (this.options.rate === undefined) await streamClosed(this.options.messages, pending, send, waitForEcho, alive);
      else await streamOpen(this.options.rate, this.options.durationMs === undefined ? this.options.messages : Infinity, send, clock, lanes, alive);
      while (pending.size > 0 && alive()) await waitForEcho();
      if (ended) throw ended;
      if (!this.stop.signal.aborted) {
        await this.http('sessionMetrics', () => this.client.getSessionMetrics(sessionId));
        this.counts.streamed++;
      }
      else if (this.hooks.signal?.aborted !== true) this.counts.streamed++; // streamed until --duration ended
    } catch (error) {
      // A channel closed by a stop is not a failed session.
      if (!this.stop.signal.aborted) {
        this.counts.failed++;
        if (!(error === ended && endedReported)) this.fail(error);
      } else if (this.hooks.signal?.aborted !== true) this.counts.streamed++;
    } finally {
      const measuredLeft = [...pending.values()].filter((entry) => entry.measured).length;
      if (this.stop.signal.aborted) this.messages.inFlightAtStop += measuredLeft;
      else this.messages.lost += measuredLeft;
      this.live.delete(channel);
      await channel.close();
    }
  }

  /** Waits for the next echo (or the sweep, or the stop): no timer per message, which would cost the sender. */
  private waitForEcho(pending: Map<number, Pending>, arm: (resolve: () => void) => void): Promise<void> {
    return this.stop.signal.aborted ? Promise.resolve() : new Promise((resolve) => {
      const waiter = { pending, wake: () => (this.waiters.delete(waiter), resolve()) };
      this.waiters.add(waiter);
      arm(waiter.wake);
    });
  }

  /** Once a second: a waiting session's oldest message past the echo timeout is lost, and the session goes on. */
  private sweep(): void {
    const limit = performance.now() - ECHO_TIMEOUT_MS;
    for (const waiter of [...this.waiters]) {
      const oldest = waiter.pending.entries().next();
      if (oldest.done || oldest.value[1].from > limit) continue;
      waiter.pending.delete(oldest.value[0]);
      if (oldest.value[1].measured) this.messages.lost++;
      this.recorder.error();
      waiter.wake();
    }
  }

  private async http<T>(operation: Operation, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    this.counts.httpRequests++;
    try {
      const result = await call();
      this.recorder.record(operation, performance.now() - started);
      return result;
    } catch (error) {
      this.counts.httpFailures++;
      this.operationErrors[operation]++;
      throw error;
    }
  }

  private fail(error: unknown): void {
    this.counts.errors++;
    this.recorder.error();
    const message = safeCause(error).message;
    if (this.errorMessages.length < 10 && !this.errorMessages.includes(message)) this.errorMessages.push(message);
  }

  private result(startedAt: string, gateway: string, partial: boolean): Omit<BenchResult, 'thresholds'> {
    const { counts, messages, options } = this;
    const durationMs = this.measuredMs ?? (this.recorder.measuring ? performance.now() - this.measuredFrom : 0);
    const seconds = durationMs / 1000 || 1;
    const stats = this.embedded?.stats();
    const { tokenRequests, authentications, refreshes, refreshFailures, fallbacks, unauthorized, storeHits } = this.client.auth.metrics();
    const { timeline, markers } = this.recorder.timeline();
    return {
      version: 1,
      tool: 'axios-ws-auth bench',
      options: { ...options, thresholds: options.thresholds.map((threshold) => threshold.expression) },
      machine: machine(),
      startedAt,
      finishedAt: new Date().toISOString(),
      durationMs: Math.round(durationMs),
      partial,
      messages: { ...messages },
      operations: this.recorder.operations({ ...this.operationErrors, message: messages.lost }),
      timeline,
      token: { requests: tokenRequests, authentications, refreshes, renewals: counts.renewals, ...(stats && { serverSaw: stats.token.tokenRequests }) },
      gateway,
      model: options.rate === undefined ? 'closed' : 'open',
      workers: 1,
      sessions: { requested: options.durationMs === undefined ? options.sessions : counts.created, created: counts.created, streamed: counts.streamed, failed: counts.failed },
      throughput: { messagesPerSecond: round(messages.answered / seconds), httpRequestsPerSecond: round(counts.httpRequests / seconds) },
      http: { requests: counts.httpRequests, failures: counts.httpFailures },
      ws: { connects: counts.connects, reconnects: counts.reconnects },
      auth: { tokenRequests, authentications, refreshes, refreshFailures, fallbacks, unauthorized, storeHits },
      authFailed: this.authFailed,
      ...(stats && { server: { tokenRequests: stats.token.tokenRequests, expiredTokenRequests: stats.expiredTokenRequests, renewals: stats.ws.renewals, closedWith4401: stats.ws.closed['4401'] ?? 0 } }),
      errors: { count: counts.errors + messages.lost, first: this.errorMessages },
      markers,
    };
  }
}
