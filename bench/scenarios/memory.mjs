// (e) Memory: heap used after a full GC, before and after `requests`
// requests through a contender whose interceptors stay attached, so a
// listener, WeakMap or promise that outlives its request shows as growth.
// The warm-up pass first brings the socket pool and JIT to their steady size.
import { runCount } from '../lib/load.mjs';
import { fullGc, megabytes, splitAvailable, withContender } from '../lib/harness.mjs';

export async function memory(server, definitions, { requests, peerRequests, concurrency }) {
  const { available, skipped } = splitAvailable(definitions);
  const rows = [];
  for (const definition of available) {
    const total = definition.id === 'axios-ws-auth' ? requests : peerRequests;
    if (total <= 0) continue;
    await server.reset({ ttlSeconds: 3600 });
    const row = await withContender(definition, server, { maxSockets: concurrency }, async (contender) => {
      await runCount(contender.instance, { total: Math.min(2_000, total), concurrency });
      await fullGc();
      const before = process.memoryUsage().heapUsed;
      const result = await runCount(contender.instance, { total, concurrency });
      await fullGc();
      const after = process.memoryUsage().heapUsed;
      return {
        contender: definition.id,
        label: definition.label,
        requests: total,
        failed: result.failed,
        heapBeforeMb: megabytes(before),
        heapAfterMb: megabytes(after),
        growthMb: megabytes(after - before),
        growthBytesPerRequest: Number(((after - before) / total).toFixed(2)),
      };
    }).catch((error) => ({ contender: definition.id, label: definition.label, error: String(error.message ?? error) }));
    rows.push(row);
  }
  return { settings: { requests, peerRequests, concurrency }, rows: [...rows, ...skipped] };
}
