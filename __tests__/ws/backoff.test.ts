import fc from 'fast-check';
import { DEFAULT_RECONNECT, backoffCeiling, fullJitterDelay } from '../../lib/ws';

describe('full-jitter backoff', () => {
  const options = { initialDelayMs: 100, maxDelayMs: 5_000, factor: 2 };

  it('caps the ceiling before the draw: min(max, initial·factor^n)', () => {
    expect([0, 1, 2, 5, 6, 7, 60, 2000].map((n) => backoffCeiling(n, options))).toEqual([100, 200, 400, 3200, 5000, 5000, 5000, 5000]);
    expect(backoffCeiling(3, { initialDelayMs: 0, maxDelayMs: 100, factor: 2 })).toBe(0);
  });

  it('draws per attempt from [0, ceiling] with the injected random', () => {
    const draws = [0, 0.5, 0.999999];
    expect(draws.map((r, n) => fullJitterDelay(n, options, () => r))).toEqual([0, 100, 399]);
    // Late attempts stay spread over the whole capped window, not pinned at the cap.
    expect(fullJitterDelay(50, options, () => 0.1)).toBe(500);
  });

  it('property: every delay is an integer within the formula’s bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        (n, r, initialDelayMs, maxDelayMs, factor) => {
          const ceiling = Math.min(maxDelayMs, initialDelayMs * factor ** n);
          const delay = fullJitterDelay(n, { initialDelayMs, maxDelayMs, factor }, () => r);
          return Number.isInteger(delay) && delay >= 0 && delay <= ceiling;
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('has the documented defaults', () => {
    expect(DEFAULT_RECONNECT).toEqual({ initialDelayMs: 500, maxDelayMs: 30_000, factor: 2, maxAttempts: Infinity, stableAfterMs: 5_000 });
  });
});
