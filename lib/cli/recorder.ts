import * as hdr from 'hdr-histogram-js';

/** Latency percentiles of one operation, in ms (from an HDR histogram of µs). */
export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

/** One second of the run. */
export interface TimelinePoint {
  /** Seconds since the start of measurement. */
  t: number;
  sent: number;
  answered: number;
  errors: number;
  /** Message latency this second, ms (0 when nothing was answered). */
  p50: number;
  p99: number;
}

/** Something that happened at a moment of the run: a new token, an in-band renewal, a reconnect. */
export interface Marker {
  t: number;
  kind: 'token' | 'renewal' | 'reconnect';
}

export type Operation = 'message' | 'createSession' | 'sessionMetrics';
const OPERATIONS: readonly Operation[] = ['message', 'createSession', 'sessionMetrics'];

/** What a recorder hands on: mergeable exactly (histograms are encoded, not percentiles). */
export interface RecordedFigures {
  histograms: Record<Operation, string>;
  timeline: TimelinePoint[];
  markers: Marker[];
}

/** An HDR histogram of microseconds, 1 µs to 1 hour, 3 significant digits. */
export function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
}

/** Percentiles in ms of a histogram of µs. */
export function percentilesOf(histogram: hdr.Histogram): Percentiles {
  const ms = (us: number) => Math.round(us / 10) / 100;
  const at = (p: number) => (histogram.totalCount === 0 ? 0 : ms(histogram.getValueAtPercentile(p)));
  return { count: histogram.totalCount, mean: histogram.totalCount === 0 ? 0 : ms(histogram.mean), p50: at(50), p90: at(90), p95: at(95), p99: at(99), p999: at(99.9), max: histogram.totalCount === 0 ? 0 : ms(histogram.maxValue) };
}

/**
 * Records every measured operation in an HDR histogram (exact percentiles up
 * to p99.9 and max, exact merges across processes), a per-second timeline
 * with its own latency histogram, and markers for auth events. Nothing is
 * recorded while `measuring` is false (the warm-up).
 */
export class Recorder {
  private readonly histograms = Object.fromEntries(OPERATIONS.map((op) => [op, newHistogram()])) as Record<Operation, hdr.Histogram>;
  private readonly points: TimelinePoint[] = [];
  private readonly markers: Marker[] = [];
  private second: { index: number; histogram: hdr.Histogram; point: TimelinePoint } | undefined;
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
    this.histograms[operation].recordValue(Math.max(1, Math.round(latencyMs * 1000)));
    if (operation === 'message') {
      const current = this.current();
      current.point.answered++;
      current.histogram.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
    }
  }

  sent(): void {
    if (this.measuring) this.current().point.sent++;
  }

  error(): void {
    if (this.measuring) this.current().point.errors++;
  }

  mark(kind: Marker['kind']): void {
    if (this.measuring) this.markers.push({ t: this.elapsedSeconds(), kind });
  }

  percentiles(operation: Operation): Percentiles {
    return percentilesOf(this.histograms[operation]);
  }

  figures(): RecordedFigures {
    this.close();
    return {
      histograms: Object.fromEntries(OPERATIONS.map((op) => [op, hdr.encodeIntoCompressedBase64(this.histograms[op])])) as Record<Operation, string>,
      timeline: [...this.points],
      markers: [...this.markers],
    };
  }

  private elapsedSeconds(): number {
    return Math.round((this.now() - this.startedAt) / 10) / 100;
  }

  private current(): NonNullable<Recorder['second']> {
    const index = Math.floor((this.now() - this.startedAt) / 1000);
    if (this.second?.index !== index) {
      this.close();
      // Seconds in which nothing happened still have their point.
      for (let missing = (this.points.at(-1)?.t ?? -1) + 1; missing < index; missing++) this.points.push({ t: missing, sent: 0, answered: 0, errors: 0, p50: 0, p99: 0 });
      this.second = { index, histogram: newHistogram(), point: { t: index, sent: 0, answered: 0, errors: 0, p50: 0, p99: 0 } };
    }
    return this.second;
  }

  private close(): void {
    if (!this.second) return;
    const { histogram, point } = this.second;
    const { p50, p99 } = percentilesOf(histogram);
    this.points.push({ ...point, p50, p99 });
    this.second = undefined;
  }
}

/** Several recorders' figures as one: histograms added exactly, timelines summed by second, markers joined. */
export function mergeFigures(all: RecordedFigures[]): RecordedFigures & { merged: Record<Operation, hdr.Histogram> } {
  const merged = Object.fromEntries(OPERATIONS.map((op) => [op, newHistogram()])) as Record<Operation, hdr.Histogram>;
  const seconds = new Map<number, TimelinePoint>();
  for (const figures of all) {
    for (const op of OPERATIONS) merged[op].add(hdr.decodeFromCompressedBase64(figures.histograms[op], 32, false));
    for (const point of figures.timeline) {
      const known = seconds.get(point.t);
      // Per-second percentiles cannot be added: the larger is kept (a conservative view).
      seconds.set(point.t, known ? { t: point.t, sent: known.sent + point.sent, answered: known.answered + point.answered, errors: known.errors + point.errors, p50: Math.max(known.p50, point.p50), p99: Math.max(known.p99, point.p99) } : { ...point });
    }
  }
  return {
    merged,
    histograms: Object.fromEntries(OPERATIONS.map((op) => [op, hdr.encodeIntoCompressedBase64(merged[op])])) as Record<Operation, string>,
    timeline: [...seconds.values()].sort((a, b) => a.t - b.t),
    markers: all.flatMap((figures) => figures.markers).sort((a, b) => a.t - b.t),
  };
}
