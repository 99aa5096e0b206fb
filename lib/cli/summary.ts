import type { BenchResult } from './result';
import type { OperationFigures } from './recorder';

/** The run as a readable two-column table, saying what happened. */
export function formatSummary(result: BenchResult): string {
  const { sessions, messages, throughput, operations, http, ws, auth, server, errors } = result;
  const how = result.authFailed ? 'did not start: the first authentication failed' : !result.partial ? 'completed' : 'stopped early (Ctrl-C)';
  const model = result.model === 'open' ? `open model, ${result.options.rate} msg/s scheduled` : 'closed model';
  const rows: Array<[string, string] | 'rule'> = [
    ['gateway', result.gateway],
    ['run', `${how}; ${(result.durationMs / 1000).toFixed(2)} s measured, ${model}, ${result.workers} worker${result.workers === 1 ? '' : 's'}`],
    'rule',
    ['sessions', `${sessions.created}/${sessions.requested} created, ${sessions.streamed} streamed to the end, ${sessions.failed} failed`],
    ['messages', `${messages.sent} sent = ${messages.answered} answered + ${messages.lost} lost + ${messages.inFlightAtStop} in flight at stop; ${messages.duplicates} duplicate echoes`],
    ['throughput', `${throughput.messagesPerSecond} msg/s answered, ${throughput.httpRequestsPerSecond} HTTP req/s`],
    ['message latency', percentiles(operations.message)],
    ['createSession', percentiles(operations.createSession)],
    ['getSessionMetrics', percentiles(operations.sessionMetrics)],
    ['http', `${http.requests} requests, ${http.failures} failed`],
    ['websocket', `${ws.connects} connects, ${ws.reconnects} reconnects`],
    'rule',
    ['token requests', `${auth.tokenRequests} from this client (${auth.authentications} authentications, ${auth.refreshes} refreshes, ${auth.fallbacks} fallbacks, ${auth.storeHits} adopted from the shared store); ${result.token.renewals} in-band renewals`],
    ['failed token requests', String(auth.refreshFailures)],
    ['401s handled', String(auth.unauthorized)],
  ];
  if (server) rows.push(['server saw', `${server.tokenRequests} token requests, ${server.renewals} in-band renewals, ${server.closedWith4401} closes 4401, ${server.expiredTokenRequests} expired-token requests`]);
  if (result.thresholds.length > 0) {
    rows.push('rule');
    for (const { expression, actual, held } of result.thresholds) rows.push([held ? 'threshold held' : 'threshold FAILED', `${expression} (measured ${actual})`]);
  }
  rows.push('rule', ['errors', String(errors.count)]);
  for (const message of errors.first) rows.push(['', message]);
  const width = Math.max(...rows.map((row) => (row === 'rule' ? 0 : row[0].length)));
  const lines = rows.map((row) => (row === 'rule' ? '-'.repeat(width + 2 + 40) : `${row[0].padEnd(width)}  ${row[1]}`));
  return ['axios-ws-auth bench', ...lines].join('\n');
}

function percentiles(value: OperationFigures): string {
  if (value.count === 0) return value.errors > 0 ? `${value.errors} failed` : 'n/a';
  return `p50 ${value.p50Ms} ms, p90 ${value.p90Ms}, p99 ${value.p99Ms}, p99.9 ${value.p999Ms}, max ${value.maxMs} ms (${value.count}${value.errors > 0 ? `, ${value.errors} failed` : ''})`;
}
