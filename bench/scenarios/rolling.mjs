// (c) Rolling expiry under load: tokens live `ttlSeconds`; each contender
// keeps `concurrency` requests in flight for `durationMs`. Counted at the
// server: token requests and requests that carried an expired token; at the
// client: failures and latency percentiles.
//
// The ideal number of token requests is duration ÷ (lifetime − leeway), with
// the contender's own effective leeway: axios-ws-auth's from
// documented default (min(30 s, lifetime / 10)), 0 for the purely reactive ones (they refresh on the
// 401), and axios-jwt's fixed 10 s `tokenExpireFudge`, which is longer than
// the lifetime (so it refreshes before every request: no finite ideal).
import { percentile, round, runDuration } from '../lib/load.mjs';
import { splitAvailable, withContender } from '../lib/harness.mjs';

const AXIOS_JWT_FUDGE_MS = 10_000;

function idealFor(definition, contender, lifetimeMs, durationMs) {
  let leewayMs = 0;
  if (definition.id === 'axios-jwt') leewayMs = AXIOS_JWT_FUDGE_MS;
  if (contender.auth) leewayMs = Math.min(30_000, lifetimeMs / 10); // the documented default leeway (README: min(30 s, lifetime / 10))
  if (leewayMs >= lifetimeMs) return { leewayMs, ideal: undefined };
  return { leewayMs, ideal: round(durationMs / (lifetimeMs - leewayMs), 1) };
}

export async function rolling(server, definitions, { ttlSeconds, durationMs, concurrency }) {
  const { available, skipped } = splitAvailable(definitions.filter((definition) => definition.refreshes));
  const rows = [];
  const lifetimeMs = ttlSeconds * 1000;
  for (const definition of available) {
    await server.reset({ ttlSeconds });
    const row = await withContender(definition, server, { maxSockets: concurrency }, async (contender) => {
      await server.mark();
      const result = await runDuration(contender.instance, { durationMs, concurrency });
      const stats = await server.stats();
      const { leewayMs, ideal } = idealFor(definition, contender, lifetimeMs, durationMs);
      return {
        contender: definition.id,
        label: definition.label,
        requests: result.ok + result.failed,
        tokenRequests: stats.token.tokenRequests,
        tokenRequestsRefused: stats.token.rejected,
        ideal,
        leewayMs: round(leewayMs, 0),
        failed: result.failed,
        p50Ms: round(percentile(result.latencies, 50), 1),
        p99Ms: round(percentile(result.latencies, 99), 1),
        expiredTokenRequests: stats.api.expiredToken,
        failureReasons: result.reasons,
      };
    }).catch((error) => ({ contender: definition.id, label: definition.label, error: String(error.message ?? error) }));
    rows.push(row);
  }
  const excluded = definitions.filter((definition) => !definition.refreshes).map((definition) => ({ contender: definition.id, label: definition.label, unavailable: 'static token: no refresh to measure' }));
  return { settings: { ttlSeconds, durationMs, concurrency }, rows: [...rows, ...skipped, ...excluded] };
}
