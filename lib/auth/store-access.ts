import { safeCause } from '../errors';
import type { MetricsRecorder } from './metrics';
import type { Logger } from './options';
import type { TokenSet } from './token-set';
import type { TokenStore } from './token-store';

/**
 * The manager's side of its store: every failure of the store (Redis down, a
 * lock that cannot be taken, an unreadable file) is a warning and a
 * `storeErrors` count, never a failed token request. Waits for the lock are
 * counted in `lockWaits` / `lockWaitMs`.
 */
export class StoreAccess {
  constructor(
    private readonly store: TokenStore,
    private readonly key: string,
    private readonly logger: Logger,
    private readonly recorder: MetricsRecorder,
    private readonly now: () => number,
  ) {}

  async read(): Promise<TokenSet | undefined> {
    try {
      return await this.store.load(this.key);
    } catch (error) {
      this.failed('token store unreadable; going on without it', error);
      return undefined;
    }
  }

  async write(tokenSet: TokenSet): Promise<void> {
    try {
      await this.store.save(this.key, tokenSet);
    } catch (error) {
      this.failed('could not save the token set; going on without the store', error);
    }
  }

  async clear(): Promise<void> {
    try {
      await this.store.clear(this.key);
    } catch (error) {
      this.failed('could not clear the token store', error);
    }
  }

  /** Runs `obtain` under the store's lock when it has one; a lock that cannot be had is gone without. */
  async locked<T>(obtain: () => Promise<T>): Promise<T> {
    if (!this.store.withLock) return obtain();
    const calledAt = this.now();
    let ran = false;
    try {
      return await this.store.withLock(this.key, (lock) => {
        ran = true;
        const waitedMs = lock?.waitedMs ?? this.now() - calledAt;
        if (waitedMs >= 1) this.recorder.recordLockWait(waitedMs);
        return obtain();
      });
    } catch (error) {
      if (ran) throw error;
      this.failed('could not take the token store lock; going on without it', error);
      return obtain();
    }
  }

  /** Subscribes to token sets other runtimes save, where the store can tell (a browser store). */
  watch(listener: (tokenSet: TokenSet | undefined) => void): (() => void) | undefined {
    return this.store.watch?.(this.key, listener);
  }

  private failed(message: string, error: unknown): void {
    this.recorder.storeErrors++;
    this.logger.warn(`axios-ws-auth: ${message}`, { message: safeCause(error).message });
  }
}
