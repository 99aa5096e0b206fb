/** Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"). */

/** Reconnect tuning of a `SessionChannel`. */
export interface ReconnectOptions {
  /** Ceiling of the first delay. Default 500 ms. */
  initialDelayMs: number;
  /** Largest ceiling. Default 30 000 ms. */
  maxDelayMs: number;
  /** Growth of the ceiling per attempt. Default 2. */
  factor: number;
  /** Attempts in a row (without a stable connection between) before the channel gives up. Default Infinity. */
  maxAttempts: number;
  /** A connection that stays up this long resets the attempt counter. Default 5 000 ms. */
  stableAfterMs: number;
}

export const DEFAULT_RECONNECT: Readonly<ReconnectOptions> = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  maxAttempts: Infinity,
  stableAfterMs: 5_000,
};

/**
 * The upper bound of the draw for retry `n` (0-based): `min(max, initial·factor^n)`.
 * The cap is applied before the draw, so late attempts stay spread over the whole window.
 */
export function backoffCeiling(n: number, options: Pick<ReconnectOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor'>): number {
  const { initialDelayMs, maxDelayMs, factor } = options;
  if (initialDelayMs <= 0) return 0; // 0 · Infinity would be NaN
  const growth = initialDelayMs * factor ** Math.max(0, n);
  return Math.min(maxDelayMs, Number.isFinite(growth) ? growth : maxDelayMs);
}

/** A delay drawn uniformly from `[0, ceiling)`; `random` returns a number in `[0, 1)` like `Math.random`. */
export function fullJitterDelay(n: number, options: Pick<ReconnectOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor'>, random: () => number = Math.random): number {
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.floor(draw * backoffCeiling(n, options));
}
