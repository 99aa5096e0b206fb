import { readFileSync, writeFileSync } from 'node:fs';
import { renderHtml } from './report-html';
import { mergeResults, thresholdFigures, type BenchResult } from './result';
import { evaluateThresholds, parseThreshold } from './thresholds';
import { UsageError } from './args';

/** Writes the run to each `--out` file: `.json` as is, `.html` as the self-contained report. */
export function writeReports(result: BenchResult, outs: readonly string[]): void {
  for (const out of outs) writeFileSync(out, out.toLowerCase().endsWith('.html') ? renderHtml(result) : `${JSON.stringify(result, null, 2)}\n`);
}

/** `axios-ws-auth report a.json b.json --out all.html`: runs from several machines, merged (histograms exactly). */
export function mergeReportFiles(files: readonly string[], thresholds: readonly string[] = []): BenchResult {
  if (files.length === 0) throw new UsageError('report needs at least one run .json file');
  const runs = files.map((file) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new UsageError(`${file} is not a bench run (.json from --out): ${(error as Error).message}`);
    }
    if ((parsed as Partial<BenchResult>)?.tool !== 'axios-ws-auth bench' || (parsed as Partial<BenchResult>).version !== 1) throw new UsageError(`${file} is not a bench run (.json from --out)`);
    return parsed as BenchResult;
  });
  const merged = runs.length === 1 ? runs[0]! : mergeResults(runs, { gateway: [...new Set(runs.map((run) => run.gateway))].join(' + ') });
  const parsed = thresholds.map((text) => parseThreshold(text, (message) => new UsageError(message)));
  return parsed.length > 0 ? { ...merged, thresholds: evaluateThresholds(parsed, thresholdFigures(merged)) } : merged;
}
