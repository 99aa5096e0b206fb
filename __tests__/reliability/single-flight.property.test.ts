import axios from 'axios';
import fc from 'fast-check';
import { AuthError } from '../../lib';
import { drain, LEEWAY_MS, LIFETIME_S, ScheduledWorld, type EndpointFault } from '../helpers/scheduled-world';

/**
 * Property-based tests of the single-flight coordinator: fast-check's
 * scheduler decides when each token response and API response arrives,
 * between random operations (token reads, requests through attachAuth,
 * aborts, 401s for the current or an old token, clock moves across the
 * leeway and the backoff, server-side revocation, token endpoint faults).
 * Seeds are fixed: a failure prints its seed and path to replay it.
 */
type Op =
  | { kind: 'get' }
  | { kind: 'request'; abortable: boolean }
  | { kind: 'abort'; pick: number }
  | { kind: 'unauthorized-current' }
  | { kind: 'unauthorized-old'; pick: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'expire-at-server' }
  | { kind: 'fault'; fault: EndpointFault };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'get' as const }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('request' as const), abortable: fc.boolean() }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'unauthorized-current' as const }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('unauthorized-old' as const), pick: fc.nat() }), weight: 2 },
  // Steps that land before the leeway, inside it, past expiry and past the backoff.
  { arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(0, 500, 1_001, LIFETIME_S * 1000 - LEEWAY_MS, LIFETIME_S * 1000) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'expire-at-server' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('fault' as const), fault: fc.constantFrom<EndpointFault>('503', 'html', 'network', 'revoke-refresh-tokens', 'refuse') }), weight: 2 },
);

interface Tracked {
  label: string;
  promise: Promise<unknown>;
  settled: boolean;
  outcome?: { ok: boolean; value: unknown };
}

/** Runs `ops` in order, each after a scheduled step, so token and API responses interleave anywhere. */
async function play(world: ScheduledWorld, scheduler: fc.Scheduler, ops: Op[]): Promise<Tracked[]> {
  const tracked: Tracked[] = [];
  const controllers: AbortController[] = [];
  const track = (label: string, promise: Promise<unknown>) => {
    const entry: Tracked = { label, promise, settled: false };
    promise.then(
      (value) => Object.assign(entry, { settled: true, outcome: { ok: true, value } }),
      (value: unknown) => Object.assign(entry, { settled: true, outcome: { ok: false, value } }),
    );
    tracked.push(entry);
  };
  const runner = (async () => {
    for (const [index, op] of ops.entries()) {
      await scheduler.schedule(Promise.resolve(), `op ${index} ${op.kind}`);
      switch (op.kind) {
        case 'get':
          track(`get ${index}`, world.auth.getAccessToken());
          break;
        case 'request': {
          const controller = new AbortController();
          if (op.abortable) controllers.push(controller);
          track(`request ${index}`, world.api.get(`/r/${index}`, { signal: controller.signal }));
          break;
        }
        case 'abort':
          controllers[op.pick % Math.max(1, controllers.length)]?.abort();
          break;
        case 'unauthorized-current':
          track(`401 current ${index}`, world.auth.handleUnauthorized(world.currentToken));
          break;
        case 'unauthorized-old': {
          const old = world.issued.filter((token) => token !== world.currentToken);
          if (old.length > 0) track(`401 old ${index}`, world.auth.handleUnauthorized(old[op.pick % old.length]));
          break;
        }
        case 'tick':
          world.clock.now += op.ms;
          break;
        case 'expire-at-server':
          world.expireAtServer();
          break;
        case 'fault':
          world.injectFault(op.fault);
          break;
      }
    }
  })();
  track('the op runner', runner);
  await drain(scheduler);
  return tracked;
}

/** What a caller may get back: a response, a token, nothing (a 401 report), or one of the named errors. */
function acceptableOutcome(entry: Tracked): boolean {
  const { ok, value } = entry.outcome!;
  if (entry.label.startsWith('request')) {
    if (ok) return (value as { status?: unknown }).status === 200;
    return axios.isCancel(value) || value instanceof AuthError || (axios.isAxiosError(value) && value.response?.status === 401);
  }
  if (entry.label.startsWith('get')) return ok ? typeof value === 'string' && value.startsWith('at-') : value instanceof AuthError;
  return ok ? value === undefined : value instanceof AuthError;
}

describe('single-flight coordinator under random interleavings (fast-check scheduler)', () => {
  const settings = { numRuns: 150, seed: 0x5eed_6001, endOnFailure: true };

  it('never two token requests at once, nothing hangs, no request replayed past maxRetries, no token request without a cause', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(opArbitrary, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 3 }), async (scheduler, ops, maxRetries) => {
        const world = new ScheduledWorld(scheduler, maxRetries);
        const tracked = await play(world, scheduler, ops);

        expect(world.maxConcurrentTokenRequests).toBeLessThanOrEqual(1);
        expect(tracked.filter((entry) => !entry.settled).map((entry) => entry.label)).toEqual([]);
        for (const [id, attempts] of world.attempts) expect([id, attempts <= 1 + maxRetries]).toEqual([id, true]);
        expect(world.unjustified).toEqual([]);
        expect(tracked.filter((entry) => !acceptableOutcome(entry)).map((entry) => [entry.label, String(entry.outcome?.value)])).toEqual([]);
      }),
      settings,
    );
  });

  it('a storm of requests on a server-expired token: one token request, every request answered, each replayed at most once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 2, max: 30 }), fc.integer({ min: 0, max: 5 }), async (scheduler, requests, lateOld) => {
        const world = new ScheduledWorld(scheduler, 1);
        const warm = world.auth.getAccessToken();
        await drain(scheduler);
        const first = await warm;
        world.expireAtServer();
        const ops: Op[] = [
          ...Array.from({ length: requests }, (): Op => ({ kind: 'request', abortable: false })),
          ...Array.from({ length: lateOld }, (): Op => ({ kind: 'unauthorized-old', pick: 0 })),
        ];
        const tracked = await play(world, scheduler, ops);

        expect(world.tokenRequests).toBe(2); // the first token and one refresh, whatever the order of the 401s
        expect(world.currentToken).not.toBe(first);
        const responses = tracked.filter((entry) => entry.label.startsWith('request'));
        expect(responses.map((entry) => entry.outcome?.ok && (entry.outcome.value as { status: number }).status)).toEqual(Array(requests).fill(200));
        expect([...world.attempts.values()].every((attempts) => attempts <= 2)).toBe(true);
        expect(world.unjustified).toEqual([]);
      }),
      { ...settings, numRuns: 100 },
    );
  });
});
