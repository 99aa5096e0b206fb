/** Percentiles of a bounded sample, ms. */
export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Counters an `AuthManager` keeps; `metrics()` returns a copy. */
export interface AuthMetrics {
  /** Requests sent to the token endpoint (or calls of a custom grant). */
  tokenRequests: number;
  /** Successful full authentications with the grant. */
  authentications: number;
  /** Successful refresh_token grants. */
  refreshes: number;
  /** Failed token flights, of any kind (and fresh tokens the server refused again). */
  refreshFailures: number;
  /** Refresh tokens rejected, followed by a full re-authentication. */
  fallbacks: number;
  /** Calls of `handleUnauthorized()` (401s reported). */
  unauthorized: number;
  /** Duration of the last successful token flight, ms. */
  lastRefreshMs: number | undefined;
  /** Percentiles of successful token flight durations (last 1 024), ms. */
  refreshLatencyMs: LatencySummary | undefined;
  /** Good tokens adopted from the store (another process or tab got them): token requests saved. */
  storeHits: number;
  /** Flights that waited for the store's lock (another holder was refreshing). */
  lockWaits: number;
  /** Percentiles of those waits (last 1 024), ms. */
  lockWaitMs: LatencySummary | undefined;
  /** Store reads, writes or locks that failed; the manager went on without the store. */
  storeErrors: number;
}

const SAMPLE_LIMIT = 1024;

/** The last 1 024 samples of something, for percentiles. */
class SampleRing {
  private readonly samples: number[] = [];
  private next = 0;
  last: number | undefined;

  add(value: number): void {
    if (this.samples.length < SAMPLE_LIMIT) this.samples.push(value);
    else this.samples[this.next] = value;
    this.last = value;
    this.next = (this.next + 1) % SAMPLE_LIMIT;
  }

  summary(): LatencySummary | undefined {
    return summarize(this.samples);
  }
}

/** Mutable counters plus bounded rings of latency samples. */
export class MetricsRecorder {
  tokenRequests = 0;
  authentications = 0;
  refreshes = 0;
  refreshFailures = 0;
  fallbacks = 0;
  unauthorized = 0;
  storeHits = 0;
  lockWaits = 0;
  storeErrors = 0;
  private readonly flights = new SampleRing();
  private readonly lockWaitTimes = new SampleRing();

  recordLatency(durationMs: number): void {
    this.flights.add(durationMs);
  }

  recordLockWait(waitedMs: number): void {
    this.lockWaits++;
    this.lockWaitTimes.add(waitedMs);
  }

  snapshot(): AuthMetrics {
    return {
      tokenRequests: this.tokenRequests,
      authentications: this.authentications,
      refreshes: this.refreshes,
      refreshFailures: this.refreshFailures,
      fallbacks: this.fallbacks,
      unauthorized: this.unauthorized,
      lastRefreshMs: this.flights.last,
      refreshLatencyMs: this.flights.summary(),
      storeHits: this.storeHits,
      lockWaits: this.lockWaits,
      lockWaitMs: this.lockWaitTimes.summary(),
      storeErrors: this.storeErrors,
    };
  }
}

/** Nearest-rank percentiles; undefined for no samples. */
export function summarize(samples: readonly number[]): LatencySummary | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  return { p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1] as number };
}
