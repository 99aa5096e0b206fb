// (d) WebSocket: `channels` SessionChannels share one AuthManager; the server
// expires every token and closes every socket with 4401 at once. Each channel
// sends one numbered message while it is down (from its `reconnecting`
// event, so it is queued); the server counts what arrives. Reported: token
// requests (server), upgrades refused, time until every channel is open
// again, messages lost / duplicated (server), echoes received (client).
// Only axios-ws-auth has a WebSocket story; the peers are axios-only.
import { performance } from 'node:perf_hooks';
import { channelUnavailable, library } from '../lib/contenders.mjs';
import { round } from '../lib/load.mjs';
import { waitFor, within } from '../lib/harness.mjs';

const PEERS_WITHOUT_WS = ['bare', 'naive', 'axios-auth-refresh', 'axios-jwt'];

export async function websocket(server, { channels: count, limitMs }) {
  const peers = PEERS_WITHOUT_WS.map((id) => ({ contender: id, unavailable: 'no WebSocket support' }));
  const reason = channelUnavailable();
  if (reason) return { settings: { channels: count }, rows: [{ contender: 'axios-ws-auth', unavailable: reason }, ...peers] };

  await server.reset({ ttlSeconds: 3600 });
  const auth = new library.AuthManager({ grant: 'password', tokenUrl: server.tokenUrl, clientId: 'benchmark-client', username: 'user@example.com', password: 'password' });
  const channels = [];
  const tally = { back: 0, sendFailed: 0, sendOk: 0, echoes: 0, duplicateEchoes: 0, ended: 0, reconnectReasons: {} };
  let allBack;
  const allBackPromise = new Promise((resolve) => (allBack = resolve));
  try {
    await auth.getAccessToken();
    for (let i = 0; i < count; i++) {
      const channel = new library.SessionChannel({ url: server.wsUrl, auth });
      const state = { outage: false, sent: false, echoed: false };
      channel.on('reconnecting', (event) => {
        tally.reconnectReasons[event.reason] = (tally.reconnectReasons[event.reason] ?? 0) + 1;
        if (!state.outage || state.sent) return;
        state.sent = true;
        channel.send({ channel: i, seq: 1 }).then(
          () => tally.sendOk++,
          () => tally.sendFailed++,
        );
      });
      channel.on('open', () => {
        if (!state.outage) return;
        if (++tally.back === count) allBack();
      });
      channel.on('message', (data) => {
        // The gateway echoes {type: 'echo', seq, data: <what we sent>}.
        const message = JSON.parse(String(data)).data ?? {};
        if (message.channel !== i || message.seq !== 1) return;
        if (state.echoed) tally.duplicateEchoes++;
        else tally.echoes++;
        state.echoed = true;
      });
      channel.on('close', () => tally.ended++);
      channels.push({ channel, state });
    }
    const connectStartedAt = performance.now();
    const connected = await within(Promise.allSettled(channels.map(({ channel }) => channel.connect())), limitMs, 'connecting the channels');
    const connectMs = performance.now() - connectStartedAt;
    const connectFailures = connected.filter((outcome) => outcome.status === 'rejected').length;

    await server.mark();
    for (const { state } of channels) state.outage = true;
    const startedAt = performance.now();
    const { closed } = await server.closeAllSockets(4401);
    const back = await within(allBackPromise.then(() => true), limitMs, 'reconnecting every channel').catch(() => false);
    const backMs = performance.now() - startedAt;
    // Queued messages are flushed on open; give the last ones time to land and echo.
    await waitFor(() => tally.echoes + tally.sendFailed >= count, { ms: 10_000 });
    const stats = await server.stats();
    return {
      settings: { channels: count },
      rows: [
        {
          contender: 'axios-ws-auth',
          label: 'axios-ws-auth',
          channels: count,
          connectFailures,
          connectMs: round(connectMs, 0),
          closedByServer: closed,
          tokenRequests: stats.token.tokenRequests,
          rejectedUpgrades: stats.ws.rejectedUpgrades,
          allBack: back,
          reconnected: tally.back,
          backMs: round(backMs, 0),
          messagesSent: count,
          messagesReceived: stats.ws.distinctMessages,
          lost: count - stats.ws.distinctMessages,
          duplicated: stats.ws.duplicatedMessages,
          sendRejected: tally.sendFailed,
          echoes: tally.echoes,
          duplicateEchoes: tally.duplicateEchoes,
          channelsEnded: tally.ended,
          reconnectReasons: tally.reconnectReasons,
        },
        ...peers,
      ],
    };
  } finally {
    await Promise.allSettled(channels.map(({ channel }) => channel.close()));
    auth.close();
  }
}
