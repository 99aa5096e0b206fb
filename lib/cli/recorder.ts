import * as hdr from 'hdr-histogram-js';

/** One operation's figures: latency percentiles in ms (from an HDR histogram of µs, encoded so runs merge exactly). */
export interface OperationFigures {
  count: number;
  errors: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** The HDR histogram of µs, compressed and base64-encoded (`hdr-histogram-js`). */
  histogram: string;
}

/** One second of the run. */
export interface TimelinePoint {
  /** Seconds since the start of measurement. */
  second: number;
  sent: number;
  answered: number;
  errors: number;
  /** Message latency this second, ms (0 when nothing was answered). */
  p50Ms: number;
  p99Ms: number;
  /** New tokens from the token endpoint, and in-band renewals, this second. */
  tokenRequests: number;
  renewals: number;
}

/** Something that happened at a moment of the run (the report draws them). */
export interface Marker {
  t: number;
  kind: 'token' | 'renewal' | 'reconnect';
}

export type Operation = 'message' | 'createSession' | 'sessionMetrics';
export const OPERATIONS: readonly Operation[] = ['message', 'createSession', 'sessionMetrics'];

/** An HDR histogram of microseconds, 1 µs to 1 hour, 3 significant digits. */
export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

export const decodeHistogram = (encoded: string) => hdr.decodeFromCompressedBase64(encoded, 32, false);

/** An operation's figures from its histogram (µs) and error count. */
export function figuresOf(histogram: hdr.Histogram, errors: number): OperationFigures {
  const ms = (us: number) => Math.round(us / 10) / 100;
  const empty = histogram.totalCount === 0;
  const at = (p: number) => (empty ? 0 : ms(histogram.getValueAtPercentile(p)));
  return {
    count: histogram.totalCount,
    errors,
    meanMs: empty ? 0 : ms(histogram.mean),
    p50Ms: at(50),
    p90Ms: at(90),
    p95Ms: at(95),
    p99Ms: at(99),
    p999Ms: at(99.9),
    maxMs: empty ? 0 : ms(histogram.maxValue),
    histogram: hdr.encodeIntoCompressedBase64(histogram),
  };
}

const blank = (second: number): TimelinePoint => ({ second, sent: 0, answered: 0, errors: 0, p50Ms: 0, p99Ms: 0, tokenRequests: 0, renewals: 0 });
const us = (ms: number) => Math.max(1, Math.round(ms * 1000));

/**
 * Records every measured operation in an HDR histogram (exact percentiles up
 * to p99.9 and max, exact merges across processes), a per-second timeline
 * with its own latency histogram, and markers. Nothing is recorded while
 * `measuring` is false (the warm-up, and after the stop).
 */
export class Recorder {
  private readonly histograms = Object.fromEntries(OPERATIONS.map((op) => [op, newHistogram()])) as Record<Operation, hdr.Histogram>;
  private readonly points: TimelinePoint[] = [];
  private readonly markers: Marker[] = [];
  private second: { histogram: hdr.Histogram; point: TimelinePoint } | undefined;
  private startedAt = 0;
  measuring = false;

  constructor(private readonly now: () => number) {}

  /** Measurement starts now (after the warm-up). */
  start(): void {
    this.startedAt = this.now();
    this.measuring = true;
  }

  record(operation: Operation, latencyMs: number): void {
    if (!this.measuring) return;
    this.histograms[operation].recordValue(us(latencyMs));
    if (operation !== 'message') return;
    const current = this.current();
    current.point.answered++;
    current.histogram.recordValue(us(latencyMs));
  }

  sent(): void {
    if (this.measuring) this.current().point.sent++;
  }

  error(): void {
    if (this.measuring) this.current().point.errors++;
  }

  mark(kind: Marker['kind']): void {
    if (!this.measuring) return;
    this.markers.push({ t: Math.round((this.now() - this.startedAt) / 10) / 100, kind });
    if (kind === 'token') this.current().point.tokenRequests++;
    if (kind === 'renewal') this.current().point.renewals++;
  }

  operations(errors: Record<Operation, number>): Record<Operation, OperationFigures> {
    return Object.fromEntries(OPERATIONS.map((op) => [op, figuresOf(this.histograms[op], errors[op])])) as Record<Operation, OperationFigures>;
  }

  timeline(): { timeline: TimelinePoint[]; markers: Marker[] } {
    this.close();
    return { timeline: [...this.points], markers: [...this.markers] };
  }

  private current(): NonNullable<Recorder['second']> {
    const index = Math.floor((this.now() - this.startedAt) / 1000);
    if (this.second?.point.second !== index) {
      this.close();
      // Seconds in which nothing happened still have their point.
      for (let missing = (this.points.at(-1)?.second ?? -1) + 1; missing < index; missing++) this.points.push(blank(missing));
      this.second = { histogram: newHistogram(), point: blank(index) };
    }
    return this.second;
  }

  private close(): void {
    if (!this.second) return;
    const { histogram, point } = this.second;
    const { p50Ms, p99Ms } = figuresOf(histogram, 0);
    this.points.push({ ...point, p50Ms, p99Ms });
    this.second = undefined;
  }
}

/** Several runs' operations as one: histograms added exactly. */
export function mergeOperations(all: Array<Record<Operation, OperationFigures>>): Record<Operation, OperationFigures> {
  return Object.fromEntries(
    OPERATIONS.map((op) => {
      const merged = newHistogram();
      for (const operations of all) merged.add(decodeHistogram(operations[op].histogram));
      return [op, figuresOf(merged, all.reduce((sum, operations) => sum + operations[op].errors, 0))];
    }),
  ) as Record<Operation, OperationFigures>;
}

/** Timelines summed by second (per-second percentiles cannot be added: the larger is kept, a conservative view). */
export function mergeTimelines(all: TimelinePoint[][]): TimelinePoint[] {
  const seconds = new Map<number, TimelinePoint>();
  for (const point of all.flat()) {
    const known = seconds.get(point.second);
    seconds.set(
      point.second,
      known
        ? { second: point.second, sent: known.sent + point.sent, answered: known.answered + point.answered, errors: known.errors + point.errors, p50Ms: Math.max(known.p50Ms, point.p50Ms), p99Ms: Math.max(known.p99Ms, point.p99Ms), tokenRequests: known.tokenRequests + point.tokenRequests, renewals: known.renewals + point.renewals }
        : { ...point },
    );
  }
  return [...seconds.values()].sort((a, b) => a.second - b.second);
}
