import http from 'node:http';
import axios, { type AxiosInstance } from 'axios';
import { AuthManager, type PasswordGrantOptions } from '../../lib';
import { attachAuth } from '../../lib/http';
import { SessionChannel, type ReconnectingEvent, type SessionChannelOptions } from '../../lib/ws';
import { startApiServer, type ApiServer } from './api-server';
import { startFaultTokenServer, type FaultTokenServer } from '../../lib/testing/fault-token-server';
import { settleAllWithin, type Settled } from './settle';
import { startTestGateway, type TestGateway } from '../../lib/testing';

/** A channel of the rig with what it went through. */
export interface RigChannel {
  channel: SessionChannel;
  index: number;
  reconnects: ReconnectingEvent[];
  ends: Array<{ event: 'close' | 'error' | 'authFailed'; detail: unknown }>;
}

/**
 * A protected HTTP API, a WebSocket gateway and a fault-injecting token
 * endpoint, all on 127.0.0.1 and sharing one `TokenAuthority`; one
 * `AuthManager` (with an injected clock) serves an axios instance through
 * `attachAuth` and any number of `SessionChannel`s.
 */
export interface Rig {
  api: ApiServer;
  tokens: FaultTokenServer;
  gateway: TestGateway;
  auth: AuthManager;
  http: AxiosInstance;
  channels: RigChannel[];
  /** The manager's clock: only moves when a test moves it (backoff and expiry are decided by it). */
  clock: { now: number };
  /** Opens `count` channels on the gateway and waits for each to be open. */
  openChannels(count: number, extra?: Partial<SessionChannelOptions>): Promise<RigChannel[]>;
  /** `count` concurrent GETs through attachAuth, each with its own id; every outcome, or a failure if any hangs. */
  storm(count: number, label: string): Promise<Array<Settled<{ status: number }>>>;
  /** `count` messages on each channel, `{ ch, n }`; the promises of their sends. */
  sendOnEach(count: number, label: string): Array<Promise<void>>;
  close(): Promise<void>;
}

/** Reconnects fast and never counts a connection as stable, so a test decides every step. */
export const RIG_RECONNECT = { initialDelayMs: 5, maxDelayMs: 40, maxAttempts: Infinity, stableAfterMs: 60_000 };

export async function startRig(managerOptions: Partial<PasswordGrantOptions> = {}): Promise<Rig> {
  const api = await startApiServer();
  const tokens = await startFaultTokenServer(api.authority);
  const gateway = await startTestGateway({ authority: api.authority, echo: false });
  const clock = { now: Date.now() };
  const auth = new AuthManager({
    grant: 'password',
    tokenUrl: tokens.tokenUrl,
    clientId: 'benchmark-client',
    username: 'user@example.com',
    password: 'password',
    timeoutMs: 300,
    retryDelayMs: 1_000,
    now: () => clock.now,
    ...managerOptions,
  });
  const agent = new http.Agent({ keepAlive: true });
  const client = axios.create({ baseURL: api.origin, httpAgent: agent });
  attachAuth(client, auth);
  const channels: RigChannel[] = [];

  return {
    api,
    tokens,
    gateway,
    auth,
    http: client,
    channels,
    clock,
    async openChannels(count, extra = {}) {
      const opened: RigChannel[] = [];
      for (let i = 0; i < count; i++) {
        const channel = new SessionChannel({ url: gateway.streamUrl('rig'), auth, heartbeatMs: 0, reconnect: RIG_RECONNECT, ...extra });
        const entry: RigChannel = { channel, index: channels.length, reconnects: [], ends: [] };
        channel.on('reconnecting', (event) => entry.reconnects.push(event));
        channel.on('close', (detail) => entry.ends.push({ event: 'close', detail }));
        channel.on('error', (detail) => entry.ends.push({ event: 'error', detail }));
        channel.on('authFailed', (detail) => entry.ends.push({ event: 'authFailed', detail }));
        channels.push(entry);
        opened.push(entry);
      }
      await settleAllWithin(opened.map((entry) => entry.channel.connect()), 10_000, 'channels connecting').then((outcomes) => {
        const failed = outcomes.find((outcome) => !outcome.ok);
        if (failed && !failed.ok) throw failed.error;
      });
      return opened;
    },
    storm(count, label) {
      const requests = Array.from({ length: count }, (_, i) =>
        client.get(`/${label}/${i}`, { headers: { 'x-request-id': `${label}-${i}` } }).then((response) => ({ status: response.status })),
      );
      return settleAllWithin(requests, 15_000, `${count} requests (${label})`);
    },
    sendOnEach(count, label) {
      const sends = channels.flatMap((entry) => Array.from({ length: count }, (_, n) => entry.channel.send({ label, ch: entry.index, n })));
      // Marked handled at once: a send refused synchronously must not count as an unhandled rejection before the test looks.
      for (const send of sends) send.catch(() => undefined);
      return sends;
    },
    async close() {
      await Promise.all(channels.map((entry) => entry.channel.close()));
      auth.close();
      agent.destroy();
      await gateway.close();
      await tokens.stop();
      await api.close();
    },
  };
}

/** The `n` of every message with this label that the gateway received from channel `ch`, in arrival order. */
export function receivedFrom(gateway: TestGateway, label: string, ch: number): number[] {
  return gateway.streams.received
    .filter((message): message is { label: string; ch: number; n: number } => typeof message === 'object' && message !== null && (message as { label?: unknown }).label === label && (message as { ch?: unknown }).ch === ch)
    .map((message) => message.n);
}
