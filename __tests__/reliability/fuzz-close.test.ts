import fc from 'fast-check';
import { AuthManager } from '../../lib';
import { AuthError, ChannelClosedError } from '../../lib/errors';
import { defaultClassifyClose, RATE_LIMITED_DELAY_MS, SessionChannel, type CloseDecision, type ReconnectingEvent } from '../../lib/ws';
import { ScriptedWsServer, type ScriptStep } from '../helpers/scripted-ws-server';
import { settleAllWithin, trapProcessErrors } from '../helpers/settle';
import { waitFor } from '../helpers/ws-fixture';

const OUTCOMES = ['done', 'reconnect', 'refresh', 'fatal'];
const settings = { seed: 0x5eed_c105e };

function normalized(decision: CloseDecision): { outcome: string; minDelayMs: number } {
  return typeof decision === 'string' ? { outcome: decision, minDelayMs: 0 } : decision;
}

describe('defaultClassifyClose on random input', () => {
  it('any code with any reason, or any upgrade status, gives one of done/reconnect/refresh/fatal and a sane delay', () => {
    const code = fc.oneof(fc.integer(), fc.integer({ min: 999, max: 5000 }), fc.double());
    const detail = fc.oneof(fc.string(), fc.integer(), fc.integer({ min: 100, max: 599 }), fc.double());
    fc.assert(
      fc.property(code, detail, (closeCode, closeDetail) => {
        const { outcome, minDelayMs } = normalized(defaultClassifyClose(closeCode, closeDetail));
        expect(OUTCOMES).toContain(outcome);
        expect(Number.isFinite(minDelayMs) && minDelayMs >= 0).toBe(true);
      }),
      { ...settings, numRuns: 2_000 },
    );
  });

  it('follows DESIGN.md over whole ranges of close codes (a close frame with any reason)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 4999 }), fc.string({ maxLength: 30 }), (code, reason) => {
        const { outcome, minDelayMs } = normalized(defaultClassifyClose(code, reason));
        if (code === 1000) expect(outcome).toBe('done');
        else if (code === 4401 || code === 1008) expect(outcome).toBe('refresh');
        else if (code === 4403 || code >= 4500) expect(outcome).toBe('fatal');
        else if (code === 4429) expect([outcome, minDelayMs >= RATE_LIMITED_DELAY_MS]).toEqual(['reconnect', true]);
        else if ([1001, 1006, 1011, 1012, 1013, 1014].includes(code) || (code >= 4000 && code <= 4499)) expect([outcome, minDelayMs]).toEqual(['reconnect', 0]);
      }),
      { ...settings, numRuns: 2_000 },
    );
  });

  it('follows DESIGN.md for upgrade statuses: 401 refresh, 403 fatal, 429 reconnect after the long delay', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), fc.integer({ min: 1000, max: 4999 }), (status, code) => {
        const { outcome, minDelayMs } = normalized(defaultClassifyClose(code, status));
        if (status === 401) expect(outcome).toBe('refresh');
        if (status === 403) expect(outcome).toBe('fatal');
        if (status === 429) expect([outcome, minDelayMs >= RATE_LIMITED_DELAY_MS]).toEqual(['reconnect', true]);
      }),
      { ...settings, numRuns: 1_000 },
    );
  });
});

/** Close codes a ws server may send (RFC 6455 §7.4 and ws's own check). */
const sendableCode = fc.oneof(fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014), fc.integer({ min: 3000, max: 4999 }), fc.constantFrom(4401, 4403, 4429, 4500));
const step: fc.Arbitrary<ScriptStep> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('close' as const), code: sendableCode, reason: fc.string({ maxLength: 20 }) }), weight: 4 },
  { arbitrary: fc.constant({ kind: 'drop' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('refuse' as const), status: fc.oneof(fc.integer({ min: 200, max: 599 }).filter((status) => status !== 101), fc.constantFrom(401, 403, 429, 503)) }), weight: 2 },
);

function decisionFor(played: ScriptStep): { outcome: string; minDelayMs: number } {
  if (played.kind === 'refuse') return normalized(defaultClassifyClose(1006, played.status));
  if (played.kind === 'drop') return normalized(defaultClassifyClose(1006, ''));
  return normalized(defaultClassifyClose(played.code, played.reason));
}

describe('SessionChannel against a server closing with random codes and statuses', () => {
  let server: ScriptedWsServer;
  beforeAll(async () => {
    server = await new ScriptedWsServer().start();
  });
  afterAll(() => server.close());

  it('always ends or reconnects as its last close says, settles every send, and throws nothing uncaught', async () => {
    const trap = trapProcessErrors();
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { maxLength: 6 }), async (script) => {
          server.play(script);
          let issued = 0;
          const auth = new AuthManager({ grant: async () => ({ access_token: `token-${++issued}`, token_type: 'Bearer' }) });
          const channel = new SessionChannel({ url: server.url, auth, heartbeatMs: 0, reconnect: { initialDelayMs: 1, maxDelayMs: 4, maxAttempts: 50, stableAfterMs: 60_000 } });
          const reconnects: ReconnectingEvent[] = [];
          const ends: string[] = [];
          channel.on('reconnecting', (event) => reconnects.push(event));
          channel.on('close', (event) => ends.push(`close:${event.initiator}`));
          channel.on('error', (error) => ends.push(error instanceof ChannelClosedError ? 'error' : 'error:unexpected'));
          channel.on('authFailed', (error) => ends.push(error instanceof AuthError ? 'authFailed' : 'authFailed:unexpected'));
          const connected = channel.connect().then(() => 'open', (error: unknown) => (error instanceof AuthError ? 'rejected' : 'rejected:unexpected'));
          const sends = [channel.send({ n: 0 }), channel.send('text')];
          for (const send of sends) send.catch(() => undefined);
          try {
            const rateLimited = () => (reconnects.at(-1)?.delayMs ?? 0) >= RATE_LIMITED_DELAY_MS;
            await waitFor(() => channel.state === 'closed' || (channel.state === 'open' && server.holding > 0) || (channel.state === 'reconnecting' && rateLimited()), 'the channel to settle on an outcome', 5_000);

            const decisions = server.consumed.map(decisionFor);
            const last = decisions.at(-1);
            // Every close before the last one was one the channel gets over.
            for (const earlier of decisions.slice(0, -1)) expect(['reconnect', 'refresh']).toContain(earlier.outcome);
            if (channel.state === 'open') {
              expect(server.consumed).toHaveLength(script.length);
              expect(await connected).toBe('open');
            } else if (channel.state === 'reconnecting') {
              expect(last).toMatchObject({ outcome: 'reconnect' });
              expect(last!.minDelayMs).toBeGreaterThanOrEqual(RATE_LIMITED_DELAY_MS);
            } else {
              expect(last).toBeDefined();
              const expected = { done: ['close:server'], fatal: ['error', 'close:failure'], refresh: ['authFailed', 'close:failure'] }[last!.outcome as 'done' | 'fatal' | 'refresh'];
              expect(ends).toEqual(expected);
            }
          } finally {
            await channel.close();
            server.dropHeld();
          }
          expect(['open', 'rejected']).toContain(await connected);
          const sent = await settleAllWithin(sends, 5_000, 'sends');
          expect(sent.every((outcome) => outcome.ok || outcome.error instanceof AuthError)).toBe(true);
        }),
        { ...settings, numRuns: 60 },
      );
      expect(trap.errors).toEqual([]);
    } finally {
      trap.stop();
    }
  });
});
