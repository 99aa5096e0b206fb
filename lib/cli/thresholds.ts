/** A k6-like pass/fail rule over the run's figures: `<figure> <op> <number>[ms|s]`, e.g. `p99<50ms`, `errors==0`. */
export interface Threshold {
  expression: string;
  figure: string;
  op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  /** Latencies in ms (a value given in s is converted). */
  value: number;
}

const STATS = ['mean', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'];
/** The figures a threshold may name: `p99` alone is the messages'. */
export const FIGURES: readonly string[] = [
  ...STATS,
  ...['message', 'createSession', 'sessionMetrics'].flatMap((op) => STATS.map((stat) => `${op}.${stat}`)),
  'rate', 'sent', 'answered', 'lost', 'errors', 'token_requests', 'reconnects',
];

const PATTERN = /^\s*([A-Za-z_][\w.]*)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*(ms|s)?\s*$/;

/** Parses one `--threshold`; `fail` makes the error (a usage error at the CLI). */
export function parseThreshold(expression: string, fail: (message: string) => Error): Threshold {
  const match = PATTERN.exec(expression);
  if (!match) throw fail(`--threshold must look like 'p99<50ms', 'message.p99 < 250' or 'errors==0', got ${JSON.stringify(expression)}`);
  const [, figure, op, number, unit] = match as unknown as [string, string, Threshold['op'], string, string | undefined];
  if (!FIGURES.includes(figure)) throw fail(`--threshold: unknown figure ${JSON.stringify(figure)} (known: ${FIGURES.join(', ')})`);
  const value = Number(number) * (unit === 's' ? 1000 : 1);
  return { expression: expression.trim(), figure, op, value };
}

/** Each threshold with the measured figure and whether it held. */
export function evaluateThresholds(thresholds: Threshold[], figures: Record<string, number>): Array<{ expression: string; held: boolean; actual: number }> {
  return thresholds.map(({ expression, figure, op, value }) => {
    const actual = figures[figure] ?? Number.NaN;
    const held = { '<': actual < value, '<=': actual <= value, '>': actual > value, '>=': actual >= value, '==': actual === value, '!=': actual !== value }[op];
    return { expression, held, actual };
  });
}
