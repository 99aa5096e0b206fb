// (a) Overhead: a fixed number of requests with a static, valid token,
// contender against bare axios in adjacent pairs (same background load),
// the order inside each pair alternating round by round. Each round gives a
// ratio contender/bare; the median over rounds is reported. Client CPU per
// request is reported beside it: on a shared 2-core machine it is the
// steadier figure. A last pass swaps in an adapter without I/O and measures
// CPU per request again: that isolates what the interceptors themselves cost.
import { performance } from 'node:perf_hooks';
import { median, round, runCount } from '../lib/load.mjs';
import { splitAvailable } from '../lib/harness.mjs';
import { inProcessAdapter } from '../lib/in-process-adapter.mjs';

export async function overhead(server, definitions, { rounds, requests, concurrency, inProcessRounds, inProcessRequests }) {
  await server.reset({ ttlSeconds: 3600 });
  const { available, skipped } = splitAvailable(definitions);
  const live = [];
  try {
    for (const definition of available) {
      const contender = definition.create({ origin: server.origin, tokenUrl: server.tokenUrl, maxSockets: concurrency });
      live.push({ definition, contender, rps: [], cpuUs: [], ratios: [], cpuRatios: [], inProcessCpuUs: [], failed: 0 });
      await contender.login();
    }
    // One warm-up pass per contender (JIT, sockets), not recorded.
    for (const entry of live) await runCount(entry.contender.instance, { total: Math.min(requests, 500), concurrency });
    await server.mark();
    const bare = live.find((entry) => entry.definition.id === 'bare');
    const measure = async (entry) => {
      const cpuBefore = process.cpuUsage();
      const startedAt = performance.now();
      const result = await runCount(entry.contender.instance, { total: requests, concurrency });
      const elapsed = performance.now() - startedAt;
      const cpu = process.cpuUsage(cpuBefore);
      entry.failed += result.failed;
      const figures = { rps: (requests / elapsed) * 1000, cpuUs: (cpu.user + cpu.system) / requests };
      entry.rps.push(figures.rps);
      entry.cpuUs.push(figures.cpuUs);
      return figures;
    };
    for (let r = 0; r < rounds; r++) {
      // Rotate who goes first each round: a fixed order would hand the same contender the same neighbours every time.
      const rotated = [...live.slice(r % live.length), ...live.slice(0, r % live.length)];
      for (const entry of rotated) {
        if (entry === bare || !bare) continue;
        const pair = r % 2 === 0 ? [bare, entry] : [entry, bare];
        const first = await measure(pair[0]);
        const second = await measure(pair[1]);
        const [base, own] = r % 2 === 0 ? [first, second] : [second, first];
        entry.ratios.push(own.rps / base.rps);
        entry.cpuRatios.push(base.cpuUs / own.cpuUs);
      }
    }
    if (bare) {
      bare.ratios.push(1);
      bare.cpuRatios.push(1);
    }
    await interceptorCost(live, { rounds: inProcessRounds, requests: inProcessRequests, concurrency });
  } finally {
    for (const entry of live) entry.contender.close();
  }
  const serverStats = await server.stats();
  const rows = live.map((entry) => ({
    contender: entry.definition.id,
    label: entry.definition.label,
    medianRps: round(median(entry.rps), 0),
    ratioToBare: round(median(entry.ratios), 3),
    minRatio: round(Math.min(...entry.ratios), 3),
    maxRatio: round(Math.max(...entry.ratios), 3),
    cpuUsPerRequest: round(median(entry.cpuUs), 0),
    cpuRatioToBare: round(median(entry.cpuRatios), 3),
    inProcessCpuUsPerRequest: round(median(entry.inProcessCpuUs), 1),
    failed: entry.failed,
    rpsPerRound: entry.rps.map((value) => round(value, 0)),
  }));
  return {
    settings: { rounds, requests, concurrency, inProcessRounds, inProcessRequests },
    server: { requests: serverStats.api.requests, tokenRequests: serverStats.token.tokenRequests },
    rows: [...rows, ...skipped],
  };
}

/** CPU per request with the network taken out (alternating order, median over rounds). */
async function interceptorCost(live, { rounds, requests, concurrency }) {
  if (!rounds || !requests) return;
  for (const entry of live) entry.contender.instance.defaults.adapter = inProcessAdapter;
  for (const entry of live) await runCount(entry.contender.instance, { total: requests, concurrency });
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? live : [...live].reverse();
    for (const entry of order) {
      const cpuBefore = process.cpuUsage();
      const result = await runCount(entry.contender.instance, { total: requests, concurrency });
      const cpu = process.cpuUsage(cpuBefore);
      entry.failed += result.failed;
      entry.inProcessCpuUs.push((cpu.user + cpu.system) / requests);
    }
  }
}
