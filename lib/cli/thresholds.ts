/** A k6-like pass/fail rule over the run's figures: `<figure> <op> <number>`. */
export interface Threshold {
  expression: string;
  figure: string;
  op: '<' | '<=' | '>' | '>=' | '==' | '!=';
  value: number;
}

/** The figures a threshold may name, and where each comes from. */
export const FIGURES = [
  'message.p50', 'message.p90', 'message.p95', 'message.p99', 'message.p999', 'message.max', 'message.mean',
  'createSession.p99', 'sessionMetrics.p99',
  'rate', 'sent', 'answered', 'lost', 'errors', 'token_requests', 'reconnects',
] as const;

const PATTERN = /^\s*([A-Za-z_][\w.]*)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** Parses one `--threshold`; `fail` makes the error (a usage error at the CLI). */
export function parseThreshold(expression: string, fail: (message: string) => Error): Threshold {
  const match = PATTERN.exec(expression);
  if (!match) throw fail(`--threshold must look like 'message.p99 < 250', got ${JSON.stringify(expression)}`);
  const [, figure, op, value] = match as unknown as [string, string, Threshold['op'], string];
  if (!(FIGURES as readonly string[]).includes(figure)) throw fail(`--threshold: unknown figure ${JSON.stringify(figure)} (known: ${FIGURES.join(', ')})`);
  return { expression: `${figure} ${op} ${value}`, figure, op, value: Number(value) };
}

/** Each threshold with the measured figure and whether it held. */
export function evaluateThresholds(thresholds: Threshold[], figures: Record<string, number>): Array<{ expression: string; actual: number; held: boolean }> {
  return thresholds.map(({ expression, figure, op, value }) => {
    const actual = figures[figure] ?? Number.NaN;
    const held = { '<': actual < value, '<=': actual <= value, '>': actual > value, '>=': actual >= value, '==': actual === value, '!=': actual !== value }[op];
    return { expression, actual, held };
  });
}
