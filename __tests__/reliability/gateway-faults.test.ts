import axios from 'axios';
import { AuthManager } from '../../lib';
import { ChannelClosedError } from '../../lib/errors';
import { attachAuth } from '../../lib/http';
import { RATE_LIMITED_DELAY_MS } from '../../lib/ws';
import { receivedFrom, startRig, type Rig } from '../helpers/reliability-rig';
import { settleAllWithin } from '../helpers/settle';
import { startRawServer, startTokenServer } from '../helpers/token-server';
import { waitFor } from '../helpers/ws-fixture';

/**
 * Faults at the gateway while one AuthManager serves HTTP and three channels:
 * each close ends in the outcome DESIGN.md names, HTTP traffic is untouched,
 * and every queued send settles (delivered once, in order, or rejected).
 */
const CHANNELS = 3;
const REQUESTS = 40;
const MESSAGES = 4;

type Outcome = 'reconnect' | 'fatal' | 'rate-limited';

interface GatewayFault {
  name: string;
  apply(rig: Rig): void;
  outcome: Outcome;
  /** Token requests the fault causes (a refresh for 4401). */
  tokenRequests: number;
}

const terminateAll = (rig: Rig) => {
  for (const connection of rig.gateway.streams.openConnections()) connection.socket.terminate();
};

const faults: GatewayFault[] = [
  { name: 'connections dropped without a close frame (1006)', apply: terminateAll, outcome: 'reconnect', tokenRequests: 0 },
  { name: 'close 1011 (server error)', apply: (rig) => rig.gateway.streams.closeAll(1011, 'internal error'), outcome: 'reconnect', tokenRequests: 0 },
  { name: 'close 1001 (going away)', apply: (rig) => rig.gateway.streams.closeAll(1001, 'restarting'), outcome: 'reconnect', tokenRequests: 0 },
  { name: 'dropped, then two upgrades answered HTTP 503', apply: (rig) => (rig.gateway.streams.refuseUpgrades(503, 2), terminateAll(rig)), outcome: 'reconnect', tokenRequests: 0 },
  { name: 'close 4401 (token rejected)', apply: (rig) => rig.gateway.streams.closeAll(4401, 'token expired'), outcome: 'reconnect', tokenRequests: 1 },
  { name: 'close 4403 (forbidden)', apply: (rig) => rig.gateway.streams.closeAll(4403, 'forbidden'), outcome: 'fatal', tokenRequests: 0 },
  { name: 'dropped, then the upgrade answered HTTP 403', apply: (rig) => (rig.gateway.streams.refuseUpgrades(403), terminateAll(rig)), outcome: 'fatal', tokenRequests: 0 },
  { name: 'close 4429 (rate limited)', apply: (rig) => rig.gateway.streams.closeAll(4429, 'slow down'), outcome: 'rate-limited', tokenRequests: 0 },
];

describe('gateway faults on channels sharing one AuthManager with HTTP', () => {
  let rig: Rig;
  afterEach(() => rig.close());

  it.each(faults.map((fault) => [fault.name, fault] as const))('%s', async (_name, fault) => {
    rig = await startRig();
    await rig.openChannels(CHANNELS);
    const connectionsBefore = rig.gateway.streams.connections.length;
    const upgradesBefore = rig.gateway.streams.upgrades.length;
    const tokenRequestsBefore = rig.tokens.requests;

    fault.apply(rig);
    await waitFor(() => rig.channels.every((entry) => entry.reconnects.length > 0 || entry.channel.state === 'closed'), 'every channel saw the fault');
    const sends = rig.sendOnEach(MESSAGES, 'fault');
    const http = await rig.storm(REQUESTS, 'beside');
    expect(http.map((outcome) => outcome.ok && outcome.value.status)).toEqual(Array(REQUESTS).fill(200));

    if (fault.outcome === 'reconnect') {
      await waitFor(() => rig.channels.every((entry) => entry.channel.state === 'open') && rig.gateway.streams.openConnections().length === CHANNELS, 'channels back');
      const sent = await settleAllWithin(sends, 10_000, 'queued sends');
      expect(sent.every((outcome) => outcome.ok)).toBe(true);
      await waitFor(() => rig.gateway.streams.received.length >= CHANNELS * MESSAGES, 'messages at the gateway');
      for (let ch = 0; ch < CHANNELS; ch++) expect(receivedFrom(rig.gateway, 'fault', ch)).toEqual([0, 1, 2, 3]);
      expect(rig.gateway.streams.connections.length).toBe(connectionsBefore + CHANNELS);
      expect(rig.channels.every((entry) => entry.ends.length === 0)).toBe(true);
    }
    if (fault.outcome === 'fatal') {
      await waitFor(() => rig.channels.every((entry) => entry.channel.state === 'closed'), 'channels ended');
      for (const entry of rig.channels) expect(entry.ends.map((end) => end.event)).toEqual(['error', 'close']);
      const sent = await settleAllWithin(sends, 5_000, 'queued sends');
      expect(sent.every((outcome) => !outcome.ok && outcome.error instanceof ChannelClosedError)).toBe(true);
      expect(rig.gateway.streams.openConnections()).toHaveLength(0);
    }
    if (fault.outcome === 'rate-limited') {
      for (const entry of rig.channels) {
        expect(entry.reconnects).toHaveLength(1);
        expect(entry.reconnects[0]!.delayMs).toBeGreaterThanOrEqual(RATE_LIMITED_DELAY_MS);
        expect(entry.channel.state).toBe('reconnecting');
      }
      expect(rig.gateway.streams.upgrades.length).toBe(upgradesBefore); // nobody came back early
      // Closing during the long wait settles every queued send and leaves nothing behind.
      await Promise.all(rig.channels.map((entry) => entry.channel.close()));
      const sent = await settleAllWithin(sends, 5_000, 'queued sends');
      expect(sent.every((outcome) => !outcome.ok && outcome.error instanceof ChannelClosedError)).toBe(true);
    }
    expect(rig.tokens.requests - tokenRequestsBefore).toBe(fault.tokenRequests);
  });
});

describe('API faults through attachAuth', () => {
  it('a 503 and a connection reset from the API go back to the caller: one attempt each, no token request', async () => {
    const tokens = await startTokenServer();
    let mode: 'status' | 'reset' = 'status';
    const api = await startRawServer((_request, response) => {
      if (mode === 'status') return void response.writeHead(503, { 'Content-Type': 'text/html' }).end('<h1>down</h1>');
      response.writeHead(200, { 'Content-Length': '100' });
      response.write('{"partial":');
      setImmediate(() => response.socket?.destroy());
    });
    const auth = new AuthManager({ grant: 'password', tokenUrl: tokens.tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password' });
    const client = axios.create({ baseURL: new URL(api.url).origin });
    attachAuth(client, auth);
    try {
      await auth.getAccessToken();
      const statusOutcomes = await settleAllWithin(Array.from({ length: 20 }, () => client.get('/x')), 10_000, '503 requests');
      expect(statusOutcomes.map((outcome) => !outcome.ok && axios.isAxiosError(outcome.error) && outcome.error.response?.status)).toEqual(Array(20).fill(503));
      mode = 'reset';
      const resetOutcomes = await settleAllWithin(Array.from({ length: 20 }, () => client.get('/x')), 10_000, 'reset requests');
      expect(resetOutcomes.map((outcome) => !outcome.ok && axios.isAxiosError(outcome.error) && outcome.error.code)).toEqual(Array(20).fill(expect.stringMatching(/^(ECONNRESET|ERR_BAD_RESPONSE|ECONNABORTED|ERR_NETWORK)$/)));
      expect(api.hits()).toBe(40);
      expect(tokens.authority.stats().tokenRequests).toBe(1);
      expect(auth.metrics().unauthorized).toBe(0);
    } finally {
      await api.close();
      await tokens.close();
    }
  });
});
