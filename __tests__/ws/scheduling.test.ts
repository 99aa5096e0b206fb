import { Reauthentication } from '../../lib/ws/reauth';
import { ReconnectScheduler } from '../../lib/ws/reconnect-scheduler';
import { ManualTimers } from '../support/manual-timers';
import { nextEvent, startWsFixture, type WsFixture } from '../helpers/ws-fixture';
import type { ReconnectingEvent } from '../../lib/ws';

const reconnect = { initialDelayMs: 100, maxDelayMs: 1_000, factor: 2, maxAttempts: 3, stableAfterMs: 5_000 };

describe('ReconnectScheduler (injected timers: nothing waits for real)', () => {
  it('counts attempts up to maxAttempts, draws full-jitter delays, and starts over when stable', () => {
    const scheduler = new ReconnectScheduler(reconnect, () => 0.5, new ManualTimers());
    expect([scheduler.count(), scheduler.delay()]).toEqual([true, 50]);
    expect([scheduler.count(), scheduler.delay()]).toEqual([true, 100]);
    expect([scheduler.count(), scheduler.delay(700)]).toEqual([true, 700]); // a floor (4429) wins over the draw
    expect(scheduler.count()).toBe(false);
    scheduler.stable();
    expect([scheduler.count(), scheduler.attempt]).toEqual([true, 1]);
  });

  it('runs a scheduled retry at its delay, not before; hurry() runs it now; cancel() drops it and stales every ticket', () => {
    const timers = new ManualTimers();
    const scheduler = new ReconnectScheduler(reconnect, () => 0.5, timers);
    const runs: string[] = [];
    scheduler.schedule(100, () => runs.push('retry'), false);
    timers.advance(99);
    expect(runs).toEqual([]);
    timers.advance(1);
    expect(runs).toEqual(['retry']);

    scheduler.schedule(100, () => runs.push('hurried'), false);
    expect(scheduler.hurry()).toBe(true);
    expect(scheduler.hurry()).toBe(false);
    timers.advance(1_000);
    expect(runs).toEqual(['retry', 'hurried']);

    const ticket = scheduler.ticket();
    scheduler.schedule(100, () => runs.push('cancelled'), false);
    scheduler.cancel();
    timers.advance(1_000);
    expect(ticket.live).toBe(false);
    expect(scheduler.ticket().live).toBe(true);
    expect(runs).toEqual(['retry', 'hurried']);
    expect(timers.size).toBe(0);
  });
});

describe('Reauthentication decisions', () => {
  const source = (token: string) => ({ getAccessToken: jest.fn(async () => token), tokenAccepted: jest.fn() });

  it('a token refused right after our refresh is a verdict, unless the source already has a newer one', async () => {
    const same = source('t2');
    const reauth = new Reauthentication(same);
    reauth.dialing('t1');
    expect(await reauth.refusedFresh()).toBe(false); // not after a refresh of ours
    reauth.refreshed();
    reauth.dialing('t2');
    expect(await reauth.refusedFresh()).toBe(true);
    const moved = new Reauthentication(source('t3'));
    moved.refreshed();
    moved.dialing('t2');
    expect(await moved.refusedFresh()).toBe(false); // t2 ran out on the way: t3 is there
  });

  it('a stable connection tells the source its token was accepted; only the first refusal since then is not paced', () => {
    const accepted = source('t1');
    const reauth = new Reauthentication(accepted);
    reauth.dialing('t1');
    reauth.accepted();
    expect(accepted.tokenAccepted).toHaveBeenCalledWith('t1');
    expect(Reauthentication.paced(1, false)).toBe(false);
    expect(Reauthentication.paced(2, false)).toBe(true);
    expect(Reauthentication.paced(2, true)).toBe(false);
  });
});

describe('SessionChannel on injected timers, real sockets', () => {
  let fx: WsFixture;
  afterEach(() => fx.close());

  it('the attempt counter resets only after the connection stayed up stableAfterMs (no real wait)', async () => {
    fx = await startWsFixture();
    const timers = new ManualTimers();
    const channel = fx.channel(fx.manager(), { timers, heartbeatMs: 0, random: () => 0.5, reconnect: { initialDelayMs: 10, maxDelayMs: 10, stableAfterMs: 1_500 } });
    const drops: ReconnectingEvent[] = [];
    channel.on('reconnecting', (event) => drops.push(event));
    await channel.connect();

    const dropAndReopen = async (code: number) => {
      const dropped = nextEvent(channel, 'reconnecting');
      fx.gateway.closeAll(code);
      const [event] = await dropped;
      const reopened = nextEvent(channel, 'open');
      timers.advance(event.delayMs); // the backoff delay, on the injected clock
      await reopened;
    };
    await dropAndReopen(1012);
    await dropAndReopen(1012); // not stable yet: attempt 2
    timers.advance(1_499);
    await dropAndReopen(1012); // still 1 ms short: attempt 3
    timers.advance(1_500); // stable now
    await dropAndReopen(1001);
    expect(drops.map((event) => event.attempt)).toEqual([1, 2, 3, 1]);
    await channel.close();
    expect(timers.size).toBe(0);
  });

  it('connectTimeoutMs on the injected clock: connect() rejects with CONNECT_TIMEOUT, and no timer is left', async () => {
    fx = await startWsFixture();
    fx.gateway.refuseUpgrades(503, 1_000);
    const timers = new ManualTimers();
    const channel = fx.channel(fx.manager(), { timers, connectTimeoutMs: 5_000, random: () => 0.5, reconnect: { initialDelayMs: 1_000, maxDelayMs: 1_000 } });
    channel.on('error', () => undefined);
    const connecting = channel.connect();
    for (let n = 0; n < 3; n++) {
      const [event] = await nextEvent(channel, 'reconnecting');
      expect(event.reason).toBe('http 503');
      timers.advance(event.delayMs);
    }
    await nextEvent(channel, 'reconnecting');
    timers.advance(5_000);
    await expect(connecting).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT', message: expect.stringContaining('http 503') });
    expect(timers.size).toBe(0);
  });
});
