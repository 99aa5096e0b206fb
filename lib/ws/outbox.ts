import { AuthError, safeCause, type ChannelClosedError } from '../errors';
import type { Connection } from './connection';
import { encode, type Frame } from './frames';
import type { OutgoingMessage } from './options';
import { SendQueue, type QueuedSend, type SendQueueOptions } from './send-queue';

/**
 * The sending side of a channel: the bounded queue of frames waiting for a
 * connection, and their writes. A write lost with a dying socket goes back to
 * its place in the queue and is sent on the next connection.
 */
export class Outbox {
  private readonly queue: SendQueue<Frame>;

  constructor(
    options: SendQueueOptions,
    /** The channel's current connection, and whether it is ending (sends then reject with `closedError()`). */
    private readonly channel: { connection(): Connection | undefined; ending(): boolean; closedError(): ChannelClosedError },
  ) {
    this.queue = new SendQueue<Frame>(options);
  }

  get size(): number {
    return this.queue.size;
  }

  /** Encodes and queues a message (flushed at once when `open`); resolves when it is handed to a socket. */
  send(data: OutgoingMessage, open: boolean): Promise<void> {
    let frame: Frame;
    try {
      frame = encode(data);
    } catch (error) {
      return Promise.reject(new AuthError(`message is not JSON-serialisable: ${safeCause(error).message}`, { code: 'INVALID_MESSAGE', cause: safeCause(error) }));
    }
    const connection = open && this.queue.size === 0 ? this.channel.connection() : undefined;
    if (connection?.writable) {
      // The hot path: nothing waits and the socket is open, so no queue entry (and no TTL timer) per message.
      return new Promise<void>((resolve, reject) => this.write(connection, this.queue.direct(frame, resolve, reject)));
    }
    const sent = this.queue.push(frame);
    if (open) this.flush();
    return sent;
  }

  /** Hands every queued frame to `connection`, in order (nothing while it is not writable). */
  flush(connection = this.channel.connection()): void {
    // A socket the server is closing still reads open until its close event: leave the queue for the next one.
    if (!connection?.writable) return;
    for (const entry of this.queue.drain()) this.write(connection, entry);
  }

  /** Rejects everything still waiting (the channel ended). */
  rejectAll(error: ChannelClosedError): void {
    this.queue.rejectAll(error);
  }

  private write(connection: Connection, entry: QueuedSend<Frame>): void {
    connection.send(entry.data, (error) => {
      if (!error) return entry.resolve();
      if (this.channel.ending()) return entry.reject(this.channel.closedError());
      if (connection.writable) return entry.reject(new AuthError(`send failed: ${safeCause(error).message}`, { code: 'SEND_FAILED', cause: safeCause(error) }));
      // The socket died under the write: back in its place, for the next connection's flush
      // (flushing again here would spin on the dying socket, a callback per turn, and starve I/O).
      this.queue.requeue(entry);
      if (this.channel.connection() !== connection) this.flush(); // a new socket may already be open and flushed
    });
  }
}
