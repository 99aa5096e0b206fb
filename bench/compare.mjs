// `npm run bench:compare`: axios-ws-auth against bare axios, a naive
// interceptor, axios-auth-refresh and axios-jwt, on one loopback server in
// its own process. Prints Markdown tables; writes bench/results/latest.json.
//
//   node bench/compare.mjs [--quick] [--only overhead,storm,rolling,websocket,memory]
//
// Runs the package as built in dist/ (npm run build first). Re-executes
// itself with --expose-gc when started without it (the memory scenario needs
// global.gc). Everything is bounded: a watchdog ends the run after 10 minutes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

if (typeof global.gc !== 'function') {
  const again = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(again.status ?? 1);
}

/** Handles open before anything ran (stdio pipes or TTYs): not leftovers. */
// process.stdout/stderr create their handles on first use: touch them first.
process.stdout.writable.valueOf();
process.stderr.writable.valueOf();
const handlesAtStart = process.getActiveResourcesInfo();
const { contenders, library } = await import('./lib/contenders.mjs');
const { startServer } = await import('./lib/server-process.mjs');
const { renderMarkdown, targets } = await import('./lib/report.mjs');
const { leftoverHandles } = await import('./lib/harness.mjs');
const { overhead } = await import('./scenarios/overhead.mjs');
const { storm } = await import('./scenarios/storm.mjs');
const { rolling } = await import('./scenarios/rolling.mjs');
const { websocket } = await import('./scenarios/websocket.mjs');
const { memory } = await import('./scenarios/memory.mjs');
const { fleet } = await import('./scenarios/fleet.mjs');
const { size } = await import('./scenarios/size.mjs');
const { tool } = await import('./scenarios/tool.mjs');

const SCENARIOS = ['overhead', 'storm', 'rolling', 'websocket', 'memory', 'fleet', 'size', 'tool'];
const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, help: { type: 'boolean', default: false } },
});
if (args.help) {
  console.log(`usage: node bench/compare.mjs [--quick] [--only ${SCENARIOS.join(',')}]`);
  process.exit(0);
}
const only = args.only ? args.only.split(',').map((name) => name.trim()) : SCENARIOS;
const unknown = only.filter((name) => !SCENARIOS.includes(name));
if (unknown.length) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; choose from ${SCENARIOS.join(', ')}`);
  process.exit(2);
}

/** Sizes: full run ≈ 3 min on a 2-core machine; --quick ≈ 30 s. */
const settings = args.quick
  ? {
      overhead: { rounds: 4, requests: 300, concurrency: 16, inProcessRounds: 2, inProcessRequests: 2_000 },
      storm: { sizes: [1_000], maxSockets: 256, limitMs: 60_000 },
      rolling: { ttlSeconds: 1, durationMs: 3_000, concurrency: 16 },
      websocket: { channels: 200, limitMs: 30_000 },
      memory: { requests: 20_000, peerRequests: 10_000, loopbackRequests: 2_000, concurrency: 32 },
      fleet: { processes: 4, ttlSeconds: 1, durationMs: 3_000, concurrency: 16, hotPathRounds: 4, hotPathRequests: 1_000 },
      tool: { durationMs: 2_000, sessions: 10, rounds: 2, workers: [1, 2] },
    }
  : {
      overhead: { rounds: 15, requests: 1_000, concurrency: 16, inProcessRounds: 5, inProcessRequests: 5_000 },
      storm: { sizes: [1_000, 10_000], maxSockets: 256, limitMs: 120_000 },
      rolling: { ttlSeconds: 1, durationMs: 6_000, concurrency: 16 },
      websocket: { channels: 1_000, limitMs: 60_000 },
      memory: { requests: 100_000, peerRequests: 50_000, loopbackRequests: 10_000, concurrency: 32 },
      fleet: { processes: 4, ttlSeconds: 1, durationMs: 6_000, concurrency: 16, hotPathRounds: 10, hotPathRequests: 2_000 },
      tool: { durationMs: 5_000, sessions: 10, rounds: 3, workers: [1, 2, 4] },
    };

const RUN_LIMIT_MS = 10 * 60_000;
let server;
const watchdog = setTimeout(async () => {
  console.error(`bench:compare: still running after ${RUN_LIMIT_MS / 60_000} min; giving up`);
  await server?.stop().catch(() => undefined);
  process.exit(3);
}, RUN_LIMIT_MS);

const results = {
  startedAt: new Date().toISOString(),
  quick: args.quick,
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((value) => Number(value.toFixed(2))),
  },
  library: { loadError: library.loadError ? String(library.loadError.message) : undefined },
  settings: Object.fromEntries(only.map((name) => [name, settings[name]])),
};

const runners = {
  overhead: () => overhead(server, contenders, settings.overhead),
  storm: () => storm(server, contenders, settings.storm),
  rolling: () => rolling(server, contenders, settings.rolling),
  websocket: () => websocket(server, settings.websocket),
  memory: () => memory(server, contenders, settings.memory),
  fleet: () => fleet(settings.fleet),
  size: () => size(),
  tool: () => tool(settings.tool),
};

let exitCode = 0;
try {
  server = await startServer({ tokenLatencyMs: 20 });
  for (const name of only) {
    const startedAt = Date.now();
    process.stderr.write(`bench:compare: ${name}…`);
    try {
      results[name] = await runners[name]();
    } catch (error) {
      exitCode = 1;
      results[name] = { error: String(error?.stack ?? error), rows: [] };
    }
    process.stderr.write(` ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
  }
} finally {
  await server?.stop().catch(() => undefined);
}
results.finishedAt = new Date().toISOString();
results.machine.loadAverageAtEnd = os.loadavg().map((value) => Number(value.toFixed(2)));
results.targets = targets(results);

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(resultsDir, { recursive: true });
const json = `${JSON.stringify(results, null, 2)}\n`;
writeFileSync(`${resultsDir}latest.json`, json);
writeFileSync(`${resultsDir}compare-${results.startedAt.replace(/[:.]/g, '-')}.json`, json);

const m = results.machine;
console.log(`## axios-ws-auth vs peers${args.quick ? ' (quick run)' : ''}\n`);
console.log(`${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.platform}, Node ${m.node}; load average ${m.loadAverageAtStart.join(' ')} → ${m.loadAverageAtEnd.join(' ')}; token endpoint latency 20 ms, rotating refresh tokens.\n`);
console.log(renderMarkdown(results));
for (const name of only) if (results[name]?.error) console.log(`\n${name} failed:\n${results[name].error}`);
console.log(`\nJSON: bench/results/latest.json`);

clearTimeout(watchdog);
process.exitCode = exitCode;
// A child process handle lingers for a tick after its 'close': look a little later.
setTimeout(() => {
  const open = leftoverHandles(handlesAtStart); // this timer is unref'd: not listed
  if (open.length) console.error(`bench:compare: handles still open at the end: ${open.join(', ')}`);
  // Whatever still holds the loop (reported above) must not keep the run alive.
  process.exit(exitCode);
}, 200).unref();
