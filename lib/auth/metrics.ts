/** Counters an `AuthManager` keeps; `metrics()` returns a copy. */
export interface AuthMetrics {
  /** Requests sent to the token endpoint (or calls of a custom grant). */
  tokenRequests: number;
  /** Successful full authentications with the grant. */
  authentications: number;
  /** Successful refresh_token grants. */
  refreshes: number;
  /** Failed token flights, of any kind. */
  refreshFailures: number;
  /** Refresh tokens rejected, followed by a full re-authentication. */
  fallbacks: number;
  /** Calls of `handleUnauthorized()` (401s reported). */
  unauthorized: number;
  /** Duration of the last successful token flight, ms. */
  lastRefreshMs: number | undefined;
  /** Percentiles of successful token flight durations (last 1 024), ms. */
  refreshLatencyMs: { p50: number; p95: number; p99: number; max: number } | undefined;
}

const SAMPLE_LIMIT = 1024;

/** Mutable counters plus a bounded ring of latency samples. */
export class MetricsRecorder {
  tokenRequests = 0;
  authentications = 0;
  refreshes = 0;
  refreshFailures = 0;
  fallbacks = 0;
  unauthorized = 0;
  private readonly samples: number[] = [];
  private nextSample = 0;
  private lastSample: number | undefined;

  recordLatency(durationMs: number): void {
    if (this.samples.length < SAMPLE_LIMIT) this.samples.push(durationMs);
    else this.samples[this.nextSample] = durationMs;
    this.lastSample = durationMs;
    this.nextSample = (this.nextSample + 1) % SAMPLE_LIMIT;
  }

  snapshot(): AuthMetrics {
    return {
      tokenRequests: this.tokenRequests,
      authentications: this.authentications,
      refreshes: this.refreshes,
      refreshFailures: this.refreshFailures,
      fallbacks: this.fallbacks,
      unauthorized: this.unauthorized,
      lastRefreshMs: this.lastSample,
      refreshLatencyMs: summarize(this.samples),
    };
  }
}

/** Nearest-rank percentiles; undefined for no samples. */
export function summarize(samples: readonly number[]): { p50: number; p95: number; p99: number; max: number } | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  return { p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1] as number };
}
