import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBenchArgs } from '../../lib/cli/args';
import { runBench } from '../../lib/cli/bench';
import type { BenchOptions } from '../../lib/cli/args';
import { startTestGateway, type TestGateway } from '../../lib/testing';

// The bench's sessions against a test gateway it is pointed at (--config), in this process.

let gateway: TestGateway;
let dir: string;
let config: string;
beforeEach(async () => {
  gateway = await startTestGateway();
  dir = mkdtempSync(path.join(os.tmpdir(), 'axios-ws-auth-bench-'));
  config = path.join(dir, 'gateway.yaml');
  writeFileSync(config, ['gateway:', '  auth_type: jwt', `  base_url: ${gateway.baseUrl}`, `  ws_url: ${gateway.wsUrl}`, '  jwt:', `    auth_url: ${gateway.tokenUrl}`, '    username: user@example.com', '    password: password', '    client_id: benchmark-client', ''].join('\n'));
});
afterEach(async () => {
  await gateway.close();
  rmSync(dir, { recursive: true, force: true });
});

const options = (...args: string[]) => parseBenchArgs(['--config', config, ...args]) as BenchOptions;

it('a session whose channel ends for good is a failed session at once, its messages lost (not swept out one a second)', async () => {
  gateway.streams.closeNewConnections(4403); // forbidden: the channel ends on its first connection
  const result = await runBench(options('--sessions', '2', '--concurrency', '2', '--messages', '2000'));
  expect(result.sessions).toMatchObject({ created: 2, failed: 2, streamed: 0 });
  expect(result.messages.answered).toBe(0);
}, 20_000);

it('the open model keeps its rate when there are more sessions than lanes: 4 × 100 messages at 200/s take at least 2 s', async () => {
  const result = await runBench(options('--rate', '200', '--sessions', '4', '--concurrency', '2', '--messages', '100'));
  expect(result.messages).toMatchObject({ sent: 400, answered: 400, lost: 0 });
  expect(result.durationMs).toBeGreaterThanOrEqual(1_900);
}, 30_000);
