import { EventEmitter } from 'node:events';
import { Heartbeat } from '../../lib/ws/heartbeat';

class FakeSocket extends EventEmitter {
  pings = 0;
  terminated = 0;
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated++;
  }
}

describe('Heartbeat (fake timers, wall-clock deadline)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 5_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('keeps a peer that answers; terminates a silent one after two silent intervals', () => {
    const socket = new FakeSocket();
    let timedOut = 0;
    const heartbeat = new Heartbeat(socket, 100, () => timedOut++);
    heartbeat.start();
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(100);
      socket.emit('pong');
    }
    expect(socket.pings).toBe(10);
    expect(socket.terminated).toBe(0);

    jest.advanceTimersByTime(301); // silent: the third tick finds > 200 ms without a word, the re-check confirms
    expect(socket.terminated).toBe(1);
    expect(timedOut).toBe(1);
    expect(socket.listenerCount('pong')).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('an incoming message counts as a sign of life', () => {
    const socket = new FakeSocket();
    const heartbeat = new Heartbeat(socket, 100, () => undefined);
    heartbeat.start();
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(100);
      socket.emit('message');
    }
    expect(socket.terminated).toBe(0);
    heartbeat.stop();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('after a stall, a pong that is already waiting is read before the peer is condemned', () => {
    const socket = new FakeSocket();
    const heartbeat = new Heartbeat(socket, 100, () => undefined);
    heartbeat.start();
    // The loop was blocked for 1 s: the clock moved, the timer fires late, and
    // the pong the peer sent meanwhile is processed in the same turn's I/O phase.
    jest.setSystemTime(Date.now() + 1_000);
    jest.advanceTimersToNextTimer();
    socket.emit('pong');
    jest.runOnlyPendingTimers(); // the deferred re-check (setImmediate)
    expect(socket.terminated).toBe(0);
    heartbeat.stop();
  });

  it('0 disables it', () => {
    const socket = new FakeSocket();
    new Heartbeat(socket, 0, () => undefined).start();
    expect(jest.getTimerCount()).toBe(0);
    expect(socket.listenerCount('pong')).toBe(0);
  });
});
