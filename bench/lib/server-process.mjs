// Starts bench/server.mjs in a child process and drives its control routes.
// The control client is a plain axios instance with no interceptors, so it
// never takes part in what is measured.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import axios from 'axios';

const serverScript = fileURLToPath(new URL('../server.mjs', import.meta.url));

/**
 * @param {{ ttlSeconds?: number, tokenLatencyMs?: number, startTimeoutMs?: number }} [options]
 * @returns {Promise<BenchServer>}
 */
export async function startServer({ ttlSeconds = 3600, tokenLatencyMs = 20, startTimeoutMs = 15_000 } = {}) {
  const child = spawn(process.execPath, [serverScript, '--ttl', String(ttlSeconds), '--latency', String(tokenLatencyMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const { port, controlPort } = await new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error('bench server did not start in time')), startTimeoutMs);
    child.once('exit', (code) => reject(new Error(`bench server exited early (code ${code})`)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const line = buffered.split('\n')[0];
      if (!buffered.includes('\n')) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line));
      } catch (error) {
        reject(error);
      }
    });
  });
  const origin = `http://127.0.0.1:${port}`;
  // A fresh connection per control call: an idle keep-alive socket could be
  // closed by the server just as it is reused ("socket hang up").
  const agent = new http.Agent({ keepAlive: false, maxSockets: 4 });
  const controlClient = axios.create({ baseURL: `http://127.0.0.1:${controlPort}`, timeout: 30_000, httpAgent: agent });
  const post = async (path, body = {}) => (await controlClient.post(path, body)).data;
  return {
    origin,
    tokenUrl: `${origin}/oauth/token`,
    wsUrl: `ws://127.0.0.1:${port}/ws/bench`,
    /** Fresh token authority (old tokens unknown), counters at 0; optionally a new TTL / latency. */
    reset: (config = {}) => post('/__control/reset', config),
    /** Counters at 0, tokens kept. */
    mark: () => post('/__control/mark'),
    expire: () => post('/__control/expire'),
    closeAllSockets: (code = 4401) => post('/__control/ws/close-all', { code }),
    stats: async () => (await controlClient.get('/__control/stats')).data,
    async stop() {
      agent.destroy();
      if (child.exitCode !== null || child.signalCode !== null) return;
      // 'close', not 'exit': only then are the stdio pipes released.
      const exited = new Promise((resolve) => child.once('close', resolve));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * @typedef {object} BenchServer
 * @property {string} origin
 * @property {string} tokenUrl
 * @property {string} wsUrl
 * @property {(config?: { ttlSeconds?: number, tokenLatencyMs?: number }) => Promise<object>} reset
 * @property {() => Promise<object>} mark
 * @property {() => Promise<object>} expire
 * @property {(code?: number) => Promise<{ closed: number }>} closeAllSockets
 * @property {() => Promise<any>} stats
 * @property {() => Promise<void>} stop
 */
