// Load generators: a fixed count with bounded concurrency, a fixed duration
// with bounded concurrency, and a burst of N requests issued at once. Every
// one ends: requests carry axios timeouts and the loops are bounded.
import { performance } from 'node:perf_hooks';

const PATH = '/api/data';

/** Short, token-free description of why a request failed. */
export function failureReason(error) {
  if (error?.response?.status) return `HTTP ${error.response.status}`;
  if (error?.code) return String(error.code);
  const message = String(error?.message ?? error);
  // Peers put the refresh error in their message; keep it short and generic.
  return message.replace(/\s+/g, ' ').slice(0, 80);
}

function newResult() {
  return { ok: 0, failed: 0, reasons: {}, latencies: [], elapsedMs: 0 };
}

function recordFailure(result, error) {
  result.failed++;
  const reason = failureReason(error);
  result.reasons[reason] = (result.reasons[reason] ?? 0) + 1;
}

async function one(instance, result, keepLatency) {
  const startedAt = performance.now();
  try {
    await instance.get(PATH);
    result.ok++;
  } catch (error) {
    recordFailure(result, error);
  }
  if (keepLatency) result.latencies.push(performance.now() - startedAt);
}

/** `total` requests, at most `concurrency` in flight. */
export async function runCount(instance, { total, concurrency, keepLatency = false }) {
  const result = newResult();
  let issued = 0;
  const startedAt = performance.now();
  const worker = async () => {
    while (issued < total) {
      issued++;
      await one(instance, result, keepLatency);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  result.elapsedMs = performance.now() - startedAt;
  return result;
}

/** As many requests as fit in `durationMs`, at most `concurrency` in flight (and at most `maxRequests`). */
export async function runDuration(instance, { durationMs, concurrency, maxRequests = 1_000_000, keepLatency = true }) {
  const result = newResult();
  let issued = 0;
  const startedAt = performance.now();
  const endsAt = startedAt + durationMs;
  const worker = async () => {
    while (performance.now() < endsAt && issued < maxRequests) {
      issued++;
      await one(instance, result, keepLatency);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  result.elapsedMs = performance.now() - startedAt;
  return result;
}

/** `count` requests issued in the same tick; resolves when every one has settled. */
export async function runBurst(instance, { count }) {
  const result = newResult();
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: count }, () => one(instance, result, false)));
  result.elapsedMs = performance.now() - startedAt;
  return result;
}

export function percentile(values, p) {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function median(values) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export const round = (value, digits = 1) => (value === undefined || Number.isNaN(value) ? undefined : Number(value.toFixed(digits)));
