import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestGateway } from '../../lib/testing';
import { Fleet, PROCESSES, REQUESTS, ROUNDS, fleetGateway, runRounds, type RoundResult } from './fleet';

describe('a fleet of processes on one identity, FileTokenStore (rotating refresh tokens, reuse detection at the server)', () => {
  let gateway: TestGateway;
  let fleet: Fleet | undefined;
  let dir: string;
  beforeEach(async () => {
    gateway = await fleetGateway();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'axios-ws-auth-fleet-'));
  });
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
    await gateway.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it(`with the lock: ${PROCESSES} processes × ${REQUESTS} requests, ${ROUNDS - 1} expiries → 1 token request per expiry, 0 revoked, 0 failed`, async () => {
    fleet = await Fleet.start(PROCESSES, { store: 'file', target: path.join(dir, 'tokens.json'), tokenUrl: gateway.tokenUrl, baseUrl: gateway.baseUrl });
    const run = await runRounds(gateway, fleet);
    const stats = gateway.authority.stats();
    console.log(`[fleet] file+lock: token requests per round ${JSON.stringify(run.perRound.map((r) => r.tokenRequests))}, revoked ${stats.revokedGrants}, failed ${run.perRound.reduce((s, r) => s + r.failed, 0)}`);
    expect(run.perRound.map((round) => round.tokenRequests)).toEqual(Array(ROUNDS).fill(1));
    expect(stats.grants).toMatchObject({ password: 1, refresh_token: ROUNDS - 1 });
    expect(stats.reuses).toBe(0);
    expect(stats.revokedGrants).toBe(0);
    expect(run.perRound.every((round) => round.failed === 0)).toBe(true);
    // Everyone but the refresher adopted the token from the store each round.
    const last = run.results.at(-1)!;
    expect(last.reduce((sum, result) => sum + result.metrics.storeHits, 0)).toBe((PROCESSES - 1) * ROUNDS);
  }, 60_000);

  it('without the lock, the same fleet presents rotated-out refresh tokens: the server revokes the grant (the lock is what matters)', async () => {
    fleet = await Fleet.start(PROCESSES, { store: 'file-unlocked', target: path.join(dir, 'tokens.json'), tokenUrl: gateway.tokenUrl, baseUrl: gateway.baseUrl });
    const run = await runRounds(gateway, fleet, 3);
    const stats = gateway.authority.stats();
    console.log(`[fleet] file, no lock: token requests per round ${JSON.stringify(run.perRound.map((r) => r.tokenRequests))}, reuses ${stats.reuses}, revoked ${stats.revokedGrants}`);
    expect(stats.revokedGrants).toBeGreaterThan(0);
    expect(stats.tokenRequests).toBeGreaterThan(3);
  }, 60_000);

  it('kill -9 of the process holding the lock mid-refresh: the others finish, no hang, at most one extra token request', async () => {
    fleet = await Fleet.start(PROCESSES, { store: 'file', target: path.join(dir, 'tokens.json'), tokenUrl: gateway.tokenUrl, baseUrl: gateway.baseUrl, lockTtlMs: 2_000 });
    await runRounds(gateway, fleet, 1); // the first grant, then the token expires
    const before = gateway.authority.stats();
    gateway.authority.tokenLatencyMs = 1_000; // the holder's refresh is still at the server when it dies
    const holder = new Promise<number>((resolve) => {
      for (const worker of fleet!.workers) worker.once('message', (message: { type?: string }) => message?.type === 'locked' && resolve(worker.pid!));
    });
    const survivors = fleet.workers.slice();
    const pending = fleet.round(REQUESTS, survivors).catch(() => undefined); // the victim never answers
    const victimPid = await holder;
    const victim = fleet.workers.find((worker) => worker.pid === victimPid)!;
    victim.kill('SIGKILL');
    await new Promise((resolve) => victim.once('exit', resolve));
    gateway.authority.tokenLatencyMs = 100;
    void pending;
    const others = fleet.workers.filter((worker) => worker !== victim);
    const results = await Promise.all(others.map((worker) => fleet!.next(worker, 'result') as Promise<RoundResult>));
    const after = gateway.authority.stats();
    expect(results.reduce((sum, result) => sum + result.failed, 0)).toBe(0);
    // The dead holder's request (abandoned at the server, nothing rotated) and one refresh by a survivor.
    expect(after.tokenRequests - before.tokenRequests).toBeLessThanOrEqual(2);
    expect(after.revokedGrants).toBe(0);
  }, 60_000);
});
