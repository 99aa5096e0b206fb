import { promises as fs } from 'node:fs';
import path from 'node:path';
import { lock } from 'proper-lockfile';
import type { LockInfo } from '../auth/token-store';

export interface FileLockSettings {
  /** A holder silent this long (its lock's mtime not renewed) is dead: its lock is taken over. */
  ttlMs: number;
  warn: (message: string) => void;
}

/**
 * A cross-process lock on `target` (a `<target>.lock` directory, by
 * proper-lockfile: the holder renews its mtime, a stale one is taken over).
 * A waiter polls with a growing, jittered pause; its patience restarts
 * whenever the lock changes hands, so a queue behind a dead holder does not
 * give up at once. A dead holder's lock goes stale at most `ttlMs` after its
 * last renewal, so a waiter gives it twice that before it goes on without it.
 */
export async function withFileLock<T>(target: string, settings: FileLockSettings, fn: (lock: LockInfo) => Promise<T>): Promise<T> {
  const { ttlMs, warn } = settings;
  const startedAt = Date.now();
  let holder: string | undefined;
  let patienceFrom = startedAt;
  let pauseMs = 5;
  const patienceMs = 2 * ttlMs;
  let release: (() => Promise<void>) | undefined;
  await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  for (;;) {
    try {
      release = await lock(target, {
        stale: ttlMs,
        update: Math.max(1_000, Math.floor(ttlMs / 3)),
        realpath: false,
        retries: 0,
        // Our lock was taken over (this process stalled for a whole ttlMs): the other holder goes on.
        onCompromised: () => warn(`the lock on ${target} was taken over after ${ttlMs} ms without renewal`),
      });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    }
    const current = await lockIdentity(target);
    if (current !== holder) {
      holder = current;
      patienceFrom = Date.now();
    }
    if (Date.now() - patienceFrom >= patienceMs) {
      warn(`the lock on ${target} made no progress for ${patienceMs} ms; going on without it`);
      return fn({ waitedMs: Date.now() - startedAt, held: false });
    }
    await new Promise((resolve) => setTimeout(resolve, pauseMs * (0.5 + Math.random() / 2)));
    pauseMs = Math.min(200, pauseMs * 2);
  }
  try {
    return await fn({ waitedMs: Date.now() - startedAt, held: true });
  } finally {
    await release().catch(() => undefined); // already released or taken over: nothing of ours to free
  }
}

/** Tells one holder's lock from the next one's (a new directory each time). */
async function lockIdentity(target: string): Promise<string | undefined> {
  try {
    const stat = await fs.stat(`${target}.lock`);
    return `${stat.ino}:${stat.birthtimeMs}`;
  } catch {
    return undefined;
  }
}
