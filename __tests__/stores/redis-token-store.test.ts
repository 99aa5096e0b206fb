import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import Redis from 'ioredis';
import { RedisTokenStore } from '../../lib/redis';
import type { TokenSet } from '../../lib';
import { describeWith } from '../support/requirements';
import { startRedis, type TestRedis } from '../support/redis-server';

const { describe: withRedis, binaryPath } = describeWith('redis-server');

const REDIS_PASSWORD = 'redis-Secret-3f9a';
const tokenSet = (n: number): TokenSet => ({ accessToken: `access-Secret-${n}`, refreshToken: `refresh-Secret-${n}`, tokenType: 'Bearer', receivedAt: 1_000 + n, expiresAt: 61_000 + n });

withRedis('RedisTokenStore on a real redis-server', () => {
  let redis: TestRedis;
  const clients: Redis[] = [];
  const stores: RedisTokenStore[] = [];
  const client = (): Redis => {
    const made = new Redis({ port: redis.port, host: '127.0.0.1', password: REDIS_PASSWORD, maxRetriesPerRequest: 1, retryStrategy: () => 50, lazyConnect: false });
    made.on('error', () => undefined);
    clients.push(made);
    return made;
  };
  const store = (options: Partial<ConstructorParameters<typeof RedisTokenStore>[0]> = {}): RedisTokenStore => {
    const made = new RedisTokenStore({ client: client(), onWarning: () => undefined, ...options });
    stores.push(made);
    return made;
  };

  beforeAll(async () => {
    redis = await startRedis(binaryPath, { password: REDIS_PASSWORD });
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((made) => made.close()));
    for (const made of clients.splice(0)) made.disconnect();
  });
  afterAll(async () => {
    await redis.close();
  });

  it('saves, loads and clears per identity; keys are hashes, never the user name', async () => {
    const a = store({ prefix: `t${randomBytes(3).toString('hex')}:` });
    await a.save('http://auth/token|client|alice@example.com', tokenSet(1));
    await a.save('http://auth/token|client|bob@example.com', tokenSet(2));
    expect(await a.load('http://auth/token|client|alice@example.com')).toEqual(tokenSet(1));
    expect(await a.load('http://auth/token|client|bob@example.com')).toEqual(tokenSet(2));
    const keys = await clients[0]!.keys('*');
    expect(keys.join(' ')).not.toMatch(/alice|bob|example|auth\/token/);
    await a.clear('http://auth/token|client|alice@example.com');
    expect(await a.load('http://auth/token|client|alice@example.com')).toBeUndefined();
    expect(await a.load('http://auth/token|client|bob@example.com')).toEqual(tokenSet(2));
  });

  it('encrypts at rest; a wrong key or a tampered entry is a warning and an empty entry', async () => {
    const prefix = `e${randomBytes(3).toString('hex')}:`;
    const key = randomBytes(32);
    const warnings: string[] = [];
    const sealed = store({ prefix, encryptionKey: key, onWarning: (message) => warnings.push(message) });
    await sealed.save('id', tokenSet(3));
    const [entryKey] = await clients[0]!.keys(`${prefix}token:*`);
    const raw = await clients[0]!.get(entryKey!);
    expect(raw).not.toContain('Secret');
    expect(await sealed.load('id')).toEqual(tokenSet(3));

    const wrong = store({ prefix, encryptionKey: randomBytes(32), onWarning: (message) => warnings.push(message) });
    expect(await wrong.load('id')).toBeUndefined();
    await clients[0]!.set(entryKey!, `${raw!.slice(0, -4)}AAAA`);
    expect(await sealed.load('id')).toBeUndefined();
    expect(warnings).toHaveLength(2);
    expect(warnings.join(' ')).not.toContain('Secret');
    expect(() => store({ encryptionKey: 'too short' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', key: 'encryptionKey' }));
  });

  it('the lock admits one holder at a time across clients, and every waiter gets its turn', async () => {
    const prefix = `l${randomBytes(3).toString('hex')}:`;
    const contenders = Array.from({ length: 6 }, () => store({ prefix }));
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];
    await Promise.all(
      contenders.map((contender, index) =>
        contender.withLock('identity', async (lock) => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          expect(lock?.held).toBe(true);
          await new Promise((resolve) => setTimeout(resolve, 20));
          order.push(index);
          inside--;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(order.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await clients[0]!.keys(`${prefix}lock:*`)).toEqual([]); // released
  });

  it('a dead holder’s lock is taken over once Redis expires it (lockTtlMs)', async () => {
    const prefix = `d${randomBytes(3).toString('hex')}:`;
    const waiter = store({ prefix, lockTtlMs: 400 });
    // A holder that died: its key stays until Redis expires it.
    const holder = store({ prefix, lockTtlMs: 400 });
    let release!: () => void;
    const held = holder.withLock('identity', () => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [lockKey] = await clients[0]!.keys(`${prefix}lock:*`);
    await clients[0]!.set(lockKey!, 'dead-owner', 'PX', 400); // the holder's process was killed: nobody renews or frees it
    release();
    await held;
    const startedAt = Date.now();
    const info = await waiter.withLock('identity', async (lock) => lock);
    expect(info).toMatchObject({ held: true });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
  });

  it('a live holder renews its lock: a flight longer than lockTtlMs is not taken over', async () => {
    const prefix = `r${randomBytes(3).toString('hex')}:`;
    const holder = store({ prefix, lockTtlMs: 300 });
    const other = store({ prefix, lockTtlMs: 300 });
    const order: string[] = [];
    const slow = holder.withLock('identity', async () => {
      order.push('holder in');
      await new Promise((resolve) => setTimeout(resolve, 500)); // longer than the lock lives unrenewed (300 ms), shorter than a waiter's patience (600 ms)
      order.push('holder out');
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const waiting = other.withLock('identity', async (lock) => {
      order.push('other in');
      return lock;
    });
    await Promise.all([slow, waiting]);
    expect(order).toEqual(['holder in', 'holder out', 'other in']);
    expect(await waiting).toMatchObject({ held: true });
  });

  it('Redis down: every call fails fast with STORE_UNAVAILABLE; after a restart it works again', async () => {
    const down = store({ commandTimeoutMs: 300 });
    await down.save('outage', tokenSet(4));
    await redis.stop();
    try {
      await expect(down.load('outage')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: true });
      await expect(down.save('outage', tokenSet(5))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      let ran = false;
      await expect(down.withLock('outage', async () => (ran = true))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(ran).toBe(false);
    } finally {
      await redis.start();
    }
    // ioredis reconnects by itself; the store needs nothing.
    for (let tries = 0; tries < 50; tries++) {
      if ((await down.save('outage', tokenSet(6)).then(() => true, () => false))) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await down.load('outage')).toEqual(tokenSet(6));
  });

  it('inspect and JSON of the store show no secret (not the Redis password, not the key, not a token)', async () => {
    const key = randomBytes(32);
    const made = store({ encryptionKey: key });
    await made.save('id', tokenSet(7));
    await made.load('id');
    for (const text of [inspect(made, { depth: Infinity, showHidden: true }), JSON.stringify(made)]) {
      expect(text).not.toContain(REDIS_PASSWORD);
      expect(text).not.toContain('Secret');
      expect(text).not.toContain(key.toString('hex'));
      expect(text).not.toContain(key.toString('base64'));
    }
  });
});
