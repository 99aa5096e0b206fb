import { AuthError, ChannelClosedError, QueueFullError } from '../../lib';
import { SendQueue } from '../../lib/ws/send-queue';

describe('SendQueue (fake timers)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  const settle = (promise: Promise<void>) => promise.then(() => 'sent', (error: unknown) => error);

  it('rejects the message past the bound with QueueFullError and keeps the others', async () => {
    const queue = new SendQueue<string>({ limit: 2, ttlMs: 1000 });
    const first = settle(queue.push('a'));
    const second = settle(queue.push('b'));
    const third = await settle(queue.push('c'));
    expect(third).toBeInstanceOf(QueueFullError);
    expect((third as QueueFullError).code).toBe('QUEUE_FULL');
    expect(queue.size).toBe(2);
    const drained = queue.drain();
    expect(drained.map((entry) => entry.data)).toEqual(['a', 'b']);
    for (const entry of drained) entry.resolve();
    expect(await Promise.all([first, second])).toEqual(['sent', 'sent']);
  });

  it('expires each entry at its own deadline with SEND_TIMEOUT, not before', async () => {
    const queue = new SendQueue<string>({ limit: 10, ttlMs: 1000 });
    const early = settle(queue.push('early'));
    jest.advanceTimersByTime(600);
    const late = settle(queue.push('late'));
    jest.advanceTimersByTime(399);
    expect(queue.size).toBe(2);
    jest.advanceTimersByTime(1);
    expect(queue.size).toBe(1);
    const error = await early;
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'SEND_TIMEOUT', retryable: true });
    jest.advanceTimersByTime(599);
    expect(queue.size).toBe(1);
    jest.advanceTimersByTime(1);
    expect(await late).toMatchObject({ code: 'SEND_TIMEOUT' });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('puts a failed write back in its original place, even past the bound; a stale one is rejected instead', async () => {
    const queue = new SendQueue<number>({ limit: 3, ttlMs: 1000 });
    const results = [1, 2, 3].map((n) => settle(queue.push(n)));
    const [one, two, three] = queue.drain();
    const newer = [4, 5, 6].map((n) => settle(queue.push(n)));
    queue.requeue(three!);
    queue.requeue(one!);
    queue.requeue(two!);
    expect(queue.drain().map((entry) => entry.data)).toEqual([1, 2, 3, 4, 5, 6]);

    const stale = settle(queue.push(7));
    const [entry] = queue.drain();
    jest.advanceTimersByTime(1000);
    queue.requeue(entry!);
    expect(await stale).toMatchObject({ code: 'SEND_TIMEOUT' });
    expect(queue.size).toBe(0);
    void results;
    void newer;
  });

  it('rejectAll rejects every waiting send with the given ChannelClosedError and clears the timer', async () => {
    const queue = new SendQueue<string>({ limit: 10, ttlMs: 1000 });
    const pending = ['a', 'b', 'c'].map((data) => settle(queue.push(data)));
    const closed = new ChannelClosedError();
    queue.rejectAll(closed);
    expect(await Promise.all(pending)).toEqual([closed, closed, closed]);
    expect(jest.getTimerCount()).toBe(0);
  });
});
