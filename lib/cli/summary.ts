import type { BenchSummary } from './bench';

type Percentiles = BenchSummary['latencyMs']['message'];

/** The summary as a readable two-column table. */
export function formatSummary(summary: BenchSummary): string {
  const { sessions, messages, throughput, latencyMs, http, ws, auth, server, errors } = summary;
  const rows: Array<[string, string] | 'rule'> = [
    ['gateway', summary.gateway],
    ['run', `${summary.completed ? 'completed' : 'stopped early'} in ${(summary.durationMs / 1000).toFixed(2)} s`],
    'rule',
    ['sessions', `${sessions.created}/${sessions.requested} created, ${sessions.streamed} streamed, ${sessions.failed} failed`],
    ['messages', `${messages.sent} sent, ${messages.echoed} echoed, ${messages.unanswered} unanswered, ${messages.duplicates} duplicates`],
    ['throughput', `${throughput.messagesPerSecond} msg/s, ${throughput.httpRequestsPerSecond} HTTP req/s`],
    ['message latency', percentiles(latencyMs.message)],
    ['createSession', percentiles(latencyMs.createSession)],
    ['getSessionMetrics', percentiles(latencyMs.sessionMetrics)],
    ['http', `${http.requests} requests, ${http.failures} failed`],
    ['websocket', `${ws.connects} connects, ${ws.reconnects} reconnects`],
    'rule',
    ['token requests', `${auth.tokenRequests} (${auth.authentications} authentications, ${auth.refreshes} refreshes, ${auth.fallbacks} fallbacks)`],
    ['refresh failures', String(auth.refreshFailures)],
    ['401s handled', String(auth.unauthorized)],
    ['refresh latency', percentiles(auth.refreshLatencyMs)],
  ];
  if (server) {
    rows.push(['server saw', `${server.tokenRequests} token requests, ${server.renewals} in-band renewals, ${server.closedWith4401} closes 4401, ${server.expiredTokenRequests} expired-token requests`]);
  }
  rows.push('rule', ['errors', String(errors.count)]);
  for (const message of errors.first) rows.push(['', message]);

  const width = Math.max(...rows.map((row) => (row === 'rule' ? 0 : row[0].length)));
  const lines = rows.map((row) => (row === 'rule' ? '-'.repeat(width + 2 + 40) : `${row[0].padEnd(width)}  ${row[1]}`));
  return ['axios-ws-auth bench', ...lines].join('\n');
}

function percentiles(value: Percentiles): string {
  return value ? `p50 ${value.p50} ms, p95 ${value.p95} ms, p99 ${value.p99} ms, max ${value.max} ms` : 'n/a';
}
