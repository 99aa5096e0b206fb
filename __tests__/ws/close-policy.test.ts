import { RATE_LIMITED_DELAY_MS, defaultClassifyClose } from '../../lib/ws';

describe('defaultClassifyClose', () => {
  it.each([
    [1000, 'done'],
    [1001, 'reconnect'],
    [1005, 'reconnect'],
    [1006, 'reconnect'],
    [1011, 'reconnect'],
    [1012, 'reconnect'],
    [1013, 'reconnect'],
    [1014, 'reconnect'],
    [4000, 'reconnect'],
    [4499, 'reconnect'],
    [4401, 'refresh'],
    [1008, 'refresh'],
    [4403, 'fatal'],
    [4500, 'fatal'],
    [4999, 'fatal'],
    [1002, 'fatal'],
    [1009, 'fatal'],
  ])('close %i → %s', (code, outcome) => {
    expect(defaultClassifyClose(code, 'reason')).toBe(outcome);
  });

  it.each([
    [401, 'refresh'],
    [403, 'fatal'],
    [404, 'fatal'],
    [500, 'reconnect'],
    [502, 'reconnect'],
    [503, 'reconnect'],
    [408, 'reconnect'],
  ])('upgrade answered HTTP %i → %s', (status, outcome) => {
    expect(defaultClassifyClose(1006, status)).toBe(outcome);
  });

  it('4429 and HTTP 429 reconnect after the long rate-limit delay', () => {
    expect(defaultClassifyClose(4429, 'slow down')).toEqual({ outcome: 'reconnect', minDelayMs: RATE_LIMITED_DELAY_MS });
    expect(defaultClassifyClose(1006, 429)).toEqual({ outcome: 'reconnect', minDelayMs: RATE_LIMITED_DELAY_MS });
    expect(RATE_LIMITED_DELAY_MS).toBeGreaterThanOrEqual(10_000);
  });
});
