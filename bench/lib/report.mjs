// Markdown tables from the results object: one table per scenario, a row per
// contender, figures printed as measured; then the DESIGN.md §4 targets for
// axios-ws-auth with met / missed.

const dash = '—';

function table(headers, rows) {
  const line = (cells) => `| ${cells.map((cell) => String(cell ?? dash)).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

function label(row) {
  return row.label ?? row.contender;
}

function skippedCells(row, width) {
  const reason = row.unavailable ?? (row.error ? `error: ${row.error}` : dash);
  return [label(row), reason, ...Array(width - 2).fill(dash)];
}

function reasons(map) {
  const entries = Object.entries(map ?? {});
  return entries.length ? entries.map(([reason, n]) => `${n}× ${reason}`).join(', ') : dash;
}

function inProcess(row, bare) {
  if (row.inProcessCpuUsPerRequest === undefined) return dash;
  const delta = bare?.inProcessCpuUsPerRequest === undefined ? undefined : row.inProcessCpuUsPerRequest - bare.inProcessCpuUsPerRequest;
  return delta === undefined ? row.inProcessCpuUsPerRequest : `${row.inProcessCpuUsPerRequest} (${delta >= 0 ? '+' : ''}${delta.toFixed(1)})`;
}

function overheadTable({ settings, rows }) {
  const bare = rows.find((row) => row.contender === 'bare');
  const headers = ['contender', 'req/s (median)', 'ratio to bare (median, min–max)', 'client CPU µs/req', 'CPU ratio to bare', 'no-I/O CPU µs/req (Δ bare)', 'failed'];
  const body = rows.map((row) =>
    row.unavailable || row.error
      ? skippedCells(row, headers.length)
      : [label(row), row.medianRps, `${row.ratioToBare} (${row.minRatio}–${row.maxRatio})`, row.cpuUsPerRequest, row.cpuRatioToBare, inProcess(row, bare), row.failed],
  );
  return `### (a) Overhead — static valid token; ${settings.rounds} rounds, each contender paired with bare axios (order alternating), ${settings.requests} requests per run, concurrency ${settings.concurrency}\n\n${table(headers, body)}`;
}

function stormTable({ settings, rows }) {
  const headers = ['contender', 'requests', 'token requests (refused)', 'failed', 'time to settle (ms)', 'sent with expired token', 'failure reasons'];
  const body = rows.map((row) =>
    row.unavailable || row.error
      ? [label(row), row.size, row.unavailable ?? `error: ${row.error}`, ...Array(headers.length - 3).fill(dash)]
      : [label(row), row.size, `${row.tokenRequests} (${row.tokenRequestsRefused})`, row.failed, row.settleMs, row.expiredTokenRequests, reasons(row.failureReasons)],
  );
  return `### (b) Refresh storm — N concurrent requests on a token the server just expired (socket pool ${settings.maxSockets})\n\n${table(headers, body)}`;
}

function rollingTable({ settings, rows }) {
  const headers = ['contender', 'requests', 'token requests (refused)', 'ideal (leeway)', 'failed', 'p50 ms', 'p99 ms', 'sent with expired token', 'failure reasons'];
  const body = rows.map((row) =>
    row.unavailable || row.error
      ? skippedCells(row, headers.length)
      : [
          label(row),
          row.requests,
          `${row.tokenRequests} (${row.tokenRequestsRefused})`,
          `${row.ideal ?? 'none: leeway ≥ lifetime'} (${row.leewayMs} ms)`,
          row.failed,
          row.p50Ms,
          row.p99Ms,
          row.expiredTokenRequests,
          reasons(row.failureReasons),
        ],
  );
  return `### (c) Rolling expiry — token lifetime ${settings.ttlSeconds} s, ${settings.durationMs / 1000} s of load, concurrency ${settings.concurrency}\n\n${table(headers, body)}`;
}

function websocketTable({ settings, rows }) {
  const headers = ['contender', 'channels', 'token requests', 'upgrades refused', 'all back', 'time until all back (ms)', 'queued msgs lost', 'duplicated', 'send rejected'];
  const body = rows.map((row) =>
    row.unavailable || row.error
      ? skippedCells(row, headers.length)
      : [label(row), row.channels, row.tokenRequests, row.rejectedUpgrades, row.allBack ? `yes (${row.reconnected})` : `no (${row.reconnected})`, row.backMs, row.lost, row.duplicated, row.sendRejected],
  );
  return `### (d) WebSocket — ${settings.channels} channels on one AuthManager, all closed with 4401 at once\n\n${table(headers, body)}`;
}

function memoryTable({ settings, rows }) {
  const headers = ['contender', 'transport', 'requests', 'heap before (MB)', 'heap after (MB)', 'growth (MB)', 'bytes/request', 'failed'];
  const body = rows.map((row) =>
    row.unavailable || row.error
      ? skippedCells(row, headers.length)
      : [label(row), row.transport, row.requests, row.heapBeforeMb, row.heapAfterMb, row.growthMb, row.growthBytesPerRequest, row.failed],
  );
  return `### (e) Memory — heap after full GC, before/after the requests, interceptors attached throughout (concurrency ${settings.concurrency}; in-process = axios adapter answering 200 without I/O)\n\n${table(headers, body)}`;
}

function fleetTable({ settings, rows, hotPath }) {
  const headers = ['contender', 'requests', 'token requests', 'per expiry', 'reuses', 'revoked grants', 'failed'];
  const body = rows.map((row) => (row.unavailable || row.error ? skippedCells(row, headers.length) : [label(row), row.requests, row.tokenRequests, row.perExpiry, row.reuses, row.revokedGrants, row.failed]));
  const hot = hotPath?.unavailable
    ? `Hot path with RedisTokenStore: ${hotPath.unavailable}.`
    : `Hot path: req/s with a RedisTokenStore attached ÷ with the memory store = ${hotPath?.ratio} (median of ${hotPath?.rounds} paired rounds, ${hotPath?.minRatio}–${hotPath?.maxRatio}); Redis commands during those rounds: ${hotPath?.redisCommandsDuringRounds}.`;
  return `### (f) Fleet — ${settings.processes} processes on one identity, ${settings.durationMs / 1000} s of load at concurrency ${settings.concurrency} each, tokens of ${settings.ttlSeconds} s, rotating refresh tokens, reuse detection at the server

${table(headers, body)}

${hot}`;
}

function sizeTable({ rows }) {
  const headers = ['library', 'min (kB)', 'min + gzip (kB)'];
  const body = rows.map((row) => (row.error ? skippedCells(row, headers.length) : [label(row), row.minKb, row.gzipKb]));
  return `### (g) Browser bundle size — esbuild, minified, axios left out\n\n${table(headers, body)}`;
}

function toolTable(scenario) {
  const rows = [['bare ws client', scenario.bareRate, '1'], ['axios-ws-auth bench --workers 1', scenario.toolRate, `${scenario.ratio} (${scenario.minRatio}–${scenario.maxRatio})`], ...scenario.scaling.map((s) => [`scaling: --workers ${s.workers}`, s.messagesPerSecond, '—'])];
  return `### (h) The bench tool's own cost — embedded gateway, ${scenario.settings.sessions} sessions × 16 in flight, ${scenario.settings.durationMs / 1000} s, median of ${scenario.settings.rounds} alternating rounds\n\n${table(['client', 'msg/s', 'ratio to bare'], rows)}`;
}

const ours = (scenario, predicate = () => true) => scenario?.rows.find((row) => row.contender === 'axios-ws-auth' && !row.unavailable && !row.error && predicate(row));

/** DESIGN.md §4, checked against the figures of this run. */
export function targets(results) {
  const checks = [];
  const add = (figure, target, measured, met) => checks.push({ figure, target, measured, met });
  const o = ours(results.overhead);
  if (o) add('overhead: throughput ratio to bare', '≥ 0.97', o.ratioToBare, o.ratioToBare >= 0.97);
  for (const row of results.storm?.rows.filter((r) => r.contender === 'axios-ws-auth' && !r.unavailable && !r.error) ?? []) {
    add(`storm ${row.size}: token requests, failed`, '1, 0', `${row.tokenRequests}, ${row.failed}`, row.tokenRequests === 1 && row.failed === 0);
  }
  const r = ours(results.rolling);
  if (r) {
    add('rolling: token requests ≤ ideal + 1', `≤ ${r.ideal === undefined ? '?' : round1(r.ideal + 1)}`, r.tokenRequests, r.ideal !== undefined && r.tokenRequests <= r.ideal + 1);
    add('rolling: failed, sent with expired token', '0, 0', `${r.failed}, ${r.expiredTokenRequests}`, r.failed === 0 && r.expiredTokenRequests === 0);
  }
  const w = ours(results.websocket);
  if (w) {
    add('ws: token requests, all back, lost, duplicated', '1, yes, 0, 0', `${w.tokenRequests}, ${w.allBack ? 'yes' : 'no'}, ${w.lost}, ${w.duplicated}`, w.tokenRequests === 1 && w.allBack && w.lost === 0 && w.duplicated === 0);
  }
  for (const row of results.memory?.rows.filter((r) => r.contender === 'axios-ws-auth' && !r.unavailable && !r.error) ?? []) {
    add(`memory (${row.transport}): heap growth after ${row.requests} requests`, '≈ 0 (< 1 MB), 0 failed', `${row.growthMb} MB, ${row.failed}`, row.growthMb < 1 && row.failed === 0);
  }
  const fleetRows = results.fleet?.rows ?? [];
  for (const id of ['file', 'redis']) {
    const row = fleetRows.find((r) => r.contender === id && !r.unavailable && !r.error);
    if (row) add(`fleet (${id}): token requests per expiry, revoked, failed`, '≈ 1, 0, 0', `${row.perExpiry}, ${row.revokedGrants}, ${row.failed}`, row.perExpiry <= 1.5 && row.revokedGrants === 0 && row.failed === 0);
  }
  const sized = ours(results.size);
  if (sized) add('browser entry, min + gzip (without axios)', '≤ 12 kB', `${sized.gzipKb} kB`, sized.gzipKb <= 12);
  const t = results.tool;
  if (t && !t.error) add('bench tool at --workers 1 ÷ bare ws client', '≥ 0.8', t.ratio, t.ratio >= 0.8);
  const hot = results.fleet?.hotPath;
  if (hot && !hot.unavailable) add('fleet: hot path with RedisTokenStore ÷ memory store; Redis commands', '≥ 0.97, 0', `${hot.ratio}, ${hot.redisCommandsDuringRounds}`, hot.ratio >= 0.97 && hot.redisCommandsDuringRounds === 0);
  return checks;
}

const round1 = (value) => Math.round(value * 10) / 10;

export function renderMarkdown(results) {
  const renderers = { overhead: overheadTable, storm: stormTable, rolling: rollingTable, websocket: websocketTable, memory: memoryTable, fleet: fleetTable, size: sizeTable, tool: toolTable };
  const sections = [];
  for (const [name, render] of Object.entries(renderers)) {
    const scenario = results[name];
    if (!scenario) continue;
    sections.push(scenario.error ? `### ${name}: the scenario failed\n\n${scenario.error.split('\n')[0]}` : render(scenario));
  }
  const checks = targets(results);
  if (checks.length) {
    sections.push(`### Targets (axios-ws-auth)\n\n${table(['figure', 'target', 'measured', 'met'], checks.map((c) => [c.figure, c.target, c.measured, c.met ? 'yes' : '**no**']))}`);
  }
  return sections.join('\n\n');
}
