import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { LockInfo } from '../auth/token-store';
import type { ReleaseNotices } from './release-notices';

/** Deletes the lock only if we still own it: a lock that expired and was taken over is not ours to free. */
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
/** Renews the lock's TTL only if we still own it. */
const EXTEND_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

export interface RedisLockSettings {
  lockTtlMs: number;
  /** Longest pause between two tries when no release notice arrives. */
  maxPollMs: number;
  now: () => number;
  /** Runs one Redis command with the store's deadline. */
  command: <T>(run: () => Promise<T>) => Promise<T>;
  notices: ReleaseNotices;
  warn: (message: string) => void;
}

/**
 * A lock per identity: `SET key owner NX PX ttl`, released by a
 * compare-and-delete script. A holder that dies leaves a key that Redis
 * expires after `lockTtlMs`; a live holder renews it every third of that,
 * so a flight of several token requests (each with its own deadline) keeps
 * it. A waiter tries again when it hears of a release (pub/sub) or after a
 * short, growing, jittered poll; its patience restarts whenever the lock
 * changes hands, so a queue behind a dead holder does not give up all at once;
 * after twice `lockTtlMs` without progress it goes on without the lock (the
 * caller re-reads the store first anyway).
 */
export async function withRedisLock<T>(redis: Redis, lockKey: string, settings: RedisLockSettings, fn: (lock?: LockInfo) => Promise<T>): Promise<T> {
  const { lockTtlMs, now, command, notices } = settings;
  const owner = randomBytes(16).toString('hex');
  const startedAt = now();
  let holder: string | null | undefined;
  let patienceFrom = startedAt;
  let pollMs = 10;
  for (;;) {
    const acquired = await command(() => redis.set(lockKey, owner, 'PX', lockTtlMs, 'NX'));
    if (acquired === 'OK') break;
    const current = await command(() => redis.get(lockKey));
    if (current !== holder) {
      holder = current;
      patienceFrom = now();
    }
    if (now() - patienceFrom >= 2 * lockTtlMs) {
      settings.warn(`token store lock held for over ${2 * lockTtlMs} ms without progress; going on without it`);
      return fn({ waitedMs: now() - startedAt, held: false });
    }
    // Heard of a release, or polled: either way, try again.
    await notices.next(lockKey, Math.round(pollMs * (0.5 + Math.random() / 2)));
    pollMs = Math.min(settings.maxPollMs, pollMs * 2);
  }
  const renewal = setInterval(() => {
    command(() => redis.eval(EXTEND_SCRIPT, 1, lockKey, owner, String(lockTtlMs))).catch(() => undefined); // Redis down: the key expires, a waiter takes over
  }, Math.max(100, Math.floor(lockTtlMs / 3)));
  renewal.unref?.();
  try {
    return await fn({ waitedMs: now() - startedAt, held: true });
  } finally {
    clearInterval(renewal);
    try {
      await command(() => redis.eval(RELEASE_SCRIPT, 1, lockKey, owner));
      await command(() => redis.publish(notices.channel, lockKey));
    } catch {
      // The key expires by itself after lockTtlMs; waiters poll meanwhile.
      settings.warn('could not release the token store lock; it expires by itself');
    }
  }
}
