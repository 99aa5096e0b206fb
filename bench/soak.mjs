// Soak: minutes of steady HTTP load through attachAuth plus SessionChannels,
// all on one AuthManager, with short-lived tokens so refreshes, 401 replays
// and 4401 reconnects keep happening. Samples the heap after a full GC every
// few seconds; at the end closes everything and lists leftover handles.
//
//   node bench/soak.mjs [--minutes N] [--ttl S] [--channels C] [--concurrency K]
//
// Exit code 0 when: no failed request or send, no channel ended early, heap growth (median of the last third
// of the samples minus the median of the first third) under 2 MB, and no
// handle left open; otherwise 1. Run after `npm run build`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

if (typeof global.gc !== 'function') {
  const again = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(again.status ?? 1);
}

// process.stdout/stderr create their handles on first use: touch them first.
process.stdout.writable.valueOf();
process.stderr.writable.valueOf();
const handlesAtStart = process.getActiveResourcesInfo();
const { contenders, channelUnavailable, library } = await import('./lib/contenders.mjs');
const { startServer } = await import('./lib/server-process.mjs');
const { runDuration, percentile, median, round } = await import('./lib/load.mjs');
const { fullGc, leftoverHandles, megabytes } = await import('./lib/harness.mjs');

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    ttl: { type: 'string', default: '8' },
    channels: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '16' },
    'sample-seconds': { type: 'string', default: '5' },
  },
});
const minutes = Number(args.minutes);
const ttlSeconds = Number(args.ttl);
const channelCount = Number(args.channels);
const concurrency = Number(args.concurrency);
const sampleMs = Number(args['sample-seconds']) * 1000;
const durationMs = minutes * 60_000;

const definition = contenders.find((candidate) => candidate.id === 'axios-ws-auth');
const unavailable = definition.unavailable?.();
if (unavailable) {
  console.error(`soak: axios-ws-auth cannot run: ${unavailable}`);
  process.exit(1);
}
const wsReason = channelUnavailable();

const watchdog = setTimeout(() => {
  console.error('soak: did not finish in time; giving up');
  process.exit(3);
}, durationMs + 120_000);

const server = await startServer({ ttlSeconds, tokenLatencyMs: 20 });
const contender = definition.create({ origin: server.origin, tokenUrl: server.tokenUrl, maxSockets: concurrency });
const channels = [];
const channelTally = { opens: 0, reconnects: 0, endedEarly: 0, authFailed: 0, sendFailed: 0, sent: 0, received: 0 };
let shuttingDown = false;
const samples = [];
const http = { ok: 0, failed: 0, reasons: {}, latencies: [] };
let ok = true;
try {
  await contender.login();
  if (!wsReason) {
    for (let i = 0; i < channelCount; i++) {
      // One manager for HTTP and WebSocket: the point of the library.
      const channel = new library.SessionChannel({ url: server.wsUrl, auth: contender.auth });
      channel.on('open', () => channelTally.opens++);
      channel.on('reconnecting', () => channelTally.reconnects++);
      // A channel that ends before we close it has given up: a soak failure.
      channel.on('close', () => shuttingDown || channelTally.endedEarly++);
      channel.on('authFailed', () => channelTally.authFailed++);
      channel.on('message', () => channelTally.received++);
      channels.push(channel);
    }
    await Promise.all(channels.map((channel) => channel.connect()));
  }
  const endsAt = Date.now() + durationMs;
  let seq = 0;
  while (Date.now() < endsAt) {
    const sliceMs = Math.min(sampleMs, endsAt - Date.now());
    const sending = channels.map((channel, index) =>
      channel.send({ channel: index, seq: ++seq }).then(
        () => channelTally.sent++,
        () => channelTally.sendFailed++,
      ),
    );
    const slice = await runDuration(contender.instance, { durationMs: sliceMs, concurrency });
    await Promise.all(sending);
    http.ok += slice.ok;
    http.failed += slice.failed;
    for (const [reason, n] of Object.entries(slice.reasons)) http.reasons[reason] = (http.reasons[reason] ?? 0) + n;
    http.latencies.push(percentile(slice.latencies, 99));
    await fullGc();
    samples.push(process.memoryUsage().heapUsed);
    process.stderr.write(`soak: ${samples.length} samples, heap ${megabytes(samples.at(-1))} MB, ${http.ok} ok / ${http.failed} failed\n`);
  }
} finally {
  shuttingDown = true;
  await Promise.allSettled(channels.map((channel) => channel.close()));
  contender.close();
  await server.stop();
}
clearTimeout(watchdog);

const third = Math.max(1, Math.floor(samples.length / 3));
const growthMb = samples.length >= 2 ? megabytes(median(samples.slice(-third)) - median(samples.slice(0, third))) : 0;
const metrics = contender.auth.metrics();
const stats = {
  minutes,
  ttlSeconds,
  http: { ok: http.ok, failed: http.failed, reasons: http.reasons, worstSliceP99Ms: round(Math.max(...http.latencies), 1) },
  channels: wsReason ? { skipped: wsReason } : { count: channelCount, ...channelTally },
  auth: { tokenRequests: metrics.tokenRequests, refreshes: metrics.refreshes, fallbacks: metrics.fallbacks, unauthorized: metrics.unauthorized },
  heapSamplesMb: samples.map(megabytes),
  heapGrowthMb: growthMb,
};
if (http.failed > 0 || channelTally.sendFailed > 0 || channelTally.endedEarly > 0) ok = false;
if (growthMb >= 2) ok = false;

// Give closed sockets and the child process a moment to release their handles.
setTimeout(() => {
  stats.leftoverHandles = leftoverHandles(handlesAtStart, { ownTimer: true });
  if (stats.leftoverHandles.length) ok = false;
  stats.ok = ok;
  console.log(JSON.stringify(stats, null, 2));
  process.exit(ok ? 0 : 1);
}, 500);
