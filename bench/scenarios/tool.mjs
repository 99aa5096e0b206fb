// (h) The bench tool's own cost: its message rate at --workers 1 against a
// bare ws client on the same embedded gateway (each in a process of its own,
// the gateway in the same process as its client, in alternating rounds), and
// how the rate grows with --workers.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, round } from '../lib/load.mjs';

const cli = fileURLToPath(new URL('../../dist/cjs/cli/main.js', import.meta.url));
const bare = fileURLToPath(new URL('../lib/bare-ws-client.mjs', import.meta.url));

function run(file, args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file, ...args], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error && !stdout) return reject(error);
      // Output that is not JSON is this scenario's error, not a crash of the whole comparison.
      try {
        resolve(JSON.parse(stdout));
      } catch (parseError) {
        reject(parseError);
      }
    });
  });
}

export async function tool({ durationMs, sessions, rounds, workers }) {
  const seconds = `${durationMs / 1000}s`;
  const ratios = [];
  const rates = { tool: [], bare: [] };
  for (let n = 0; n < rounds; n++) {
    const order = n % 2 === 0 ? ['tool', 'bare'] : ['bare', 'tool'];
    const measured = {};
    for (const name of order) {
      measured[name] = name === 'tool'
        ? (await run(cli, ['bench', '--duration', seconds, '--concurrency', String(sessions), '--messages', '1000000', '--token-ttl', '3600', '--json'])).throughput.messagesPerSecond
        : (await run(bare, [String(durationMs), String(sessions)])).messagesPerSecond;
      rates[name].push(measured[name]);
    }
    ratios.push(measured.tool / measured.bare);
  }
  const scaling = [];
  for (const count of workers) {
    const result = await run(cli, ['bench', '--workers', String(count), '--duration', seconds, '--concurrency', String(sessions * count), '--messages', '1000000', '--token-ttl', '3600', '--json']);
    scaling.push({ workers: count, messagesPerSecond: result.throughput.messagesPerSecond });
  }
  return { settings: { durationMs, sessions, rounds }, toolRate: median(rates.tool), bareRate: median(rates.bare), ratio: round(median(ratios), 3), minRatio: round(Math.min(...ratios), 3), maxRatio: round(Math.max(...ratios), 3), scaling, rows: [] };
}
