// (b) Refresh storm: a contender holding a token the server has just expired
// fires N requests in the same tick. Counted at the server: token requests
// (and how many the token endpoint refused), requests carrying the expired
// token; at the client: failures by reason and the time until every request
// has settled. Each contender starts on a fresh token authority.
import { runBurst, round } from '../lib/load.mjs';
import { splitAvailable, withContender, within } from '../lib/harness.mjs';

export async function storm(server, definitions, { sizes, maxSockets, limitMs }) {
  const { available, skipped } = splitAvailable(definitions);
  const runs = [];
  for (const size of sizes) {
    for (const definition of available) {
      await server.reset({ ttlSeconds: 3600 });
      const row = await withContender(definition, server, { maxSockets }, async (contender) => {
        await contender.instance.get('/api/data');
        await server.mark();
        await server.expire();
        const result = await within(runBurst(contender.instance, { count: size }), limitMs, `${definition.id} storm of ${size}`);
        const stats = await server.stats();
        return {
          contender: definition.id,
          label: definition.label,
          size,
          tokenRequests: stats.token.tokenRequests,
          tokenRequestsRefused: stats.token.rejected,
          failed: result.failed,
          ok: result.ok,
          settleMs: round(result.elapsedMs, 0),
          serverRequests: stats.api.requests,
          expiredTokenRequests: stats.api.expiredToken,
          failureReasons: result.reasons,
        };
      }).catch((error) => ({ contender: definition.id, label: definition.label, size, error: String(error.message ?? error) }));
      runs.push(row);
    }
    for (const row of skipped) runs.push({ ...row, size });
  }
  return { settings: { sizes, maxSockets }, rows: runs };
}
