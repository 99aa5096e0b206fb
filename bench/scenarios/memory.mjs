// (e) Memory: heap used after a full GC, before and after `requests`
// requests through a contender whose interceptors stay attached, so a
// listener, WeakMap entry or promise that outlives its request shows as
// growth. A warm-up pass first brings JIT, pools and caches to steady size.
//
// Two transports: 'in-process' swaps the instance's adapter for one that
// answers 200 at once (after checking the Bearer header is there), so 100 000
// requests take seconds and the heap holds nothing but axios and the
// interceptors; 'loopback' sends real requests to the bench server (slower:
// the client spends ~0.5 ms of CPU per request in axios and node:http).
import { runCount } from '../lib/load.mjs';
import { fullGc, megabytes, splitAvailable, withContender } from '../lib/harness.mjs';
import { inProcessAdapter } from '../lib/in-process-adapter.mjs';

async function measure(definition, server, { requests, concurrency, transport }) {
  await server.reset({ ttlSeconds: 3600 });
  return withContender(definition, server, { maxSockets: concurrency }, async (contender) => {
    if (transport === 'in-process') contender.instance.defaults.adapter = inProcessAdapter;
    await runCount(contender.instance, { total: Math.min(5_000, requests), concurrency });
    await fullGc();
    const before = process.memoryUsage().heapUsed;
    const result = await runCount(contender.instance, { total: requests, concurrency });
    await fullGc();
    const after = process.memoryUsage().heapUsed;
    return {
      contender: definition.id,
      label: definition.label,
      transport,
      requests,
      failed: result.failed,
      heapBeforeMb: megabytes(before),
      heapAfterMb: megabytes(after),
      growthMb: megabytes(after - before),
      growthBytesPerRequest: Number(((after - before) / requests).toFixed(2)),
    };
  }).catch((error) => ({ contender: definition.id, label: definition.label, transport, error: String(error.message ?? error) }));
}

export async function memory(server, definitions, { requests, peerRequests = requests, loopbackRequests, concurrency }) {
  const { available, skipped } = splitAvailable(definitions);
  const rows = [];
  for (const definition of available) {
    const total = definition.id === 'axios-ws-auth' ? requests : peerRequests;
    rows.push(await measure(definition, server, { requests: total, concurrency, transport: 'in-process' }));
  }
  const ours = available.find((definition) => definition.id === 'axios-ws-auth');
  if (ours && loopbackRequests > 0) rows.push(await measure(ours, server, { requests: loopbackRequests, concurrency, transport: 'loopback' }));
  return { settings: { requests, peerRequests, loopbackRequests, concurrency }, rows: [...rows, ...skipped] };
}
