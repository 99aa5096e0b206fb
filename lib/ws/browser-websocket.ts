/**
 * The browser's native WebSocket behind the small part of the `ws` client API
 * a channel uses (`on`, `send(data, done)`, `close`, `terminate`, `readyState`).
 * The browser build puts it where `ws` would be. A browser cannot set headers
 * on the upgrade: the token goes by subprotocol or query.
 */
type Listener = (...args: unknown[]) => void;

interface NativeSocket {
  readyState: number;
  binaryType: string;
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: (() => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(data: unknown): void;
  close(code?: number, reason?: string): void;
}

export default class BrowserWebSocket {
  /** Read by the channel's options: `tokenTransport: 'header'` cannot work here, and there is no ws ping. */
  static readonly browser = true;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  private readonly socket: NativeSocket;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(url: string, protocols: string[], options: { headers?: Record<string, string> } = {}) {
    if (options.headers && Object.keys(options.headers).length > 0) {
      throw new TypeError(`a browser cannot set headers (${Object.keys(options.headers).join(', ')}) on a WebSocket upgrade: use tokenTransport 'subprotocol' or 'query'`);
    }
    const Native = (globalThis as unknown as { WebSocket: new (url: string, protocols: string[]) => NativeSocket }).WebSocket;
    this.socket = new Native(url, protocols);
    this.socket.binaryType = 'arraybuffer';
    this.socket.onopen = () => this.emit('open');
    this.socket.onmessage = ({ data }) => (typeof data === 'string' ? this.emit('message', data, false) : this.emit('message', new Uint8Array(data as ArrayBuffer), true));
    this.socket.onerror = () => this.emit('error', new Error('WebSocket error (the browser tells no more)'));
    this.socket.onclose = ({ code, reason }) => this.emit('close', code, reason);
  }

  get readyState(): number {
    return this.socket.readyState;
  }

  on(event: string, listener: Listener): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return this;
  }

  once(event: string, listener: Listener): this {
    const wrapped: Listener = (...args) => {
      this.off(event, wrapped);
      listener(...args);
    };
    return this.on(event, wrapped);
  }

  off(event: string, listener: Listener): this {
    this.listeners.get(event)?.delete(listener);
    return this;
  }

  removeAllListeners(): this {
    this.listeners.clear();
    return this;
  }

  send(data: unknown, done?: (error?: Error) => void): void {
    try {
      this.socket.send(data);
      done?.();
    } catch (error) {
      done?.(error as Error);
    }
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  /** No abrupt close in a browser: a normal one, and no more events. */
  terminate(): void {
    this.socket.close();
  }

  /** ws pings do not exist in a browser (the heartbeat is off there). */
  ping(): void {}

  private emit(event: string, ...args: unknown[]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) listener(...args);
  }
}
