// The baseline of the bench tool's own cost: a bare `ws` client, no library,
// on the same embedded gateway (in this process, as the tool's is): `sessions`
// sockets with WINDOW echo round trips in flight each, for `durationMs`.
// Prints {"messagesPerSecond": N}.
import axios from 'axios';
import WebSocket from 'ws';
import { startTestGateway } from 'axios-ws-auth/testing';

const [durationText, sessionsText] = process.argv.slice(2);
const durationMs = Number(durationText ?? 5000);
const sessions = Number(sessionsText ?? 10);
const WINDOW = 16;

// As the tool's embedded gateway runs (lib/cli/target.ts): no message log, or the baseline pays for one the tool does not.
const gateway = await startTestGateway({ accessTokenTtlSeconds: 3600, recordMessages: false });
const form = new URLSearchParams({ grant_type: 'password', client_id: 'benchmark-client', username: 'user@example.com', password: 'password' });
const { data } = await axios.post(gateway.tokenUrl, form.toString(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
let answered = 0;
const deadline = Date.now() + durationMs;
await Promise.all(
  Array.from({ length: sessions }, (_, n) =>
    new Promise((resolve) => {
      const socket = new WebSocket(gateway.streamUrl(`bare-${n}`), { headers: { Authorization: `Bearer ${data.access_token}` } });
      let id = 0;
      const send = () => socket.send(JSON.stringify({ type: 'bench', id: id++ }));
      socket.on('open', () => {
        for (let i = 0; i < WINDOW; i++) send();
      });
      socket.on('message', () => {
        answered++;
        if (Date.now() < deadline) send();
        else socket.close();
      });
      socket.on('close', resolve);
      socket.on('error', resolve);
    }),
  ),
);
await gateway.close();
process.stdout.write(`${JSON.stringify({ messagesPerSecond: Math.round(answered / (durationMs / 1000)) })}\n`);
