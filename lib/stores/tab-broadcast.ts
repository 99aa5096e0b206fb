import type { BroadcastChannelLike, LockManagerLike } from './browser-globals';

/** What a tab tells the others: a save or a clear of one hashed key. */
export interface TabMessage {
  type: 'saved' | 'cleared';
  key: string;
  entry?: string;
}

interface Envelope extends Partial<TabMessage> {
  v: 1;
  from: string;
  seq: number;
  /** Set when the sender waits for every live tab to acknowledge. */
  confirm?: boolean;
  /** On an acknowledgement: whom it is for. */
  ack?: string;
}

/** How long a confirmed send waits for a tab that does not answer (frozen, or closing). */
const ACK_TIMEOUT_MS = 1_000;

/**
 * The tabs' channel for one store name. A confirmed send resolves once every
 * other live tab has handled the message (or after ACK_TIMEOUT_MS): tabs whose
 * storage is their own ('session', 'memory') have no other copy, so the lock
 * is not let go before they all hold the new token. Live tabs are known by a
 * presence lock each holds for its lifetime (Web Locks `query()`).
 */
export class TabBroadcast {
  private readonly channel: BroadcastChannelLike;
  private readonly tabId = Math.random().toString(36).slice(2);
  private readonly presencePrefix: string;
  private readonly waiting = new Map<number, { peers: Set<string>; done: () => void }>();
  private releasePresence: (() => void) | undefined;
  private seq = 0;

  constructor(
    ChannelClass: new (name: string) => BroadcastChannelLike,
    name: string,
    private readonly handle: (message: TabMessage) => Promise<void>,
    private readonly locks: LockManagerLike | undefined,
  ) {
    this.channel = new ChannelClass(`${name}:tokens`);
    this.channel.addEventListener('message', (event) => void this.onMessage(event.data));
    this.presencePrefix = `${name}:tab:`;
    if (locks?.query) {
      const held = new Promise<void>((resolve) => (this.releasePresence = resolve));
      void locks.request(this.presencePrefix + this.tabId, { mode: 'exclusive' }, () => held).catch(() => undefined);
    }
  }

  /** Posts `message`; with `confirm`, resolves when the other live tabs have handled it. */
  async send(message: TabMessage, confirm: boolean): Promise<void> {
    const seq = ++this.seq;
    const peers = confirm ? await this.livePeers() : undefined;
    if (!peers || peers.size === 0) return this.channel.postMessage({ v: 1, from: this.tabId, seq, ...message } satisfies Envelope);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ACK_TIMEOUT_MS);
      const waiting = this.waiting;
      function done(): void {
        clearTimeout(timer);
        waiting.delete(seq);
        resolve();
      }
      waiting.set(seq, { peers, done });
      this.channel.postMessage({ v: 1, from: this.tabId, seq, confirm: true, ...message } satisfies Envelope);
    });
  }

  close(): void {
    this.channel.close();
    this.releasePresence?.();
    for (const { done } of [...this.waiting.values()]) done();
  }

  private async livePeers(): Promise<Set<string> | undefined> {
    if (!this.locks?.query) return undefined;
    try {
      const snapshot = await this.locks.query();
      const names = (snapshot.held ?? []).map((lock) => lock.name ?? '').filter((name) => name.startsWith(this.presencePrefix));
      return new Set(names.map((name) => name.slice(this.presencePrefix.length)).filter((id) => id !== this.tabId));
    } catch {
      return undefined;
    }
  }

  private async onMessage(data: unknown): Promise<void> {
    const envelope = data as Partial<Envelope> | null;
    if (envelope?.v !== 1 || typeof envelope.from !== 'string' || envelope.from === this.tabId || typeof envelope.seq !== 'number') return;
    if (envelope.ack !== undefined) {
      if (envelope.ack !== this.tabId) return;
      const pending = this.waiting.get(envelope.seq);
      pending?.peers.delete(envelope.from);
      if (pending?.peers.size === 0) pending.done();
      return;
    }
    if ((envelope.type === 'saved' || envelope.type === 'cleared') && typeof envelope.key === 'string') {
      try {
        await this.handle({ type: envelope.type, key: envelope.key, entry: typeof envelope.entry === 'string' ? envelope.entry : undefined });
      } finally {
        if (envelope.confirm) this.channel.postMessage({ v: 1, from: this.tabId, seq: envelope.seq, ack: envelope.from } satisfies Envelope);
      }
    }
  }
}
