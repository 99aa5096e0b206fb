import vm from 'node:vm';

/** How a promise ended. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Waits for `promise` to settle, but fails the test if it has not within
 * `withinMs`: a hang becomes a named failure instead of a jest timeout. The
 * bound is generous (a liveness check, never a speed check).
 */
export function settleWithin<T>(promise: Promise<T>, withinMs: number, what: string): Promise<Settled<T>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not settle within ${withinMs} ms (a hang)`)), withinMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve({ ok: true, value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ ok: false, error });
      },
    );
  });
}

/** Every promise settles within `withinMs` (counted together); outcomes in input order. */
export function settleAllWithin<T>(promises: Array<Promise<T>>, withinMs: number, what: string): Promise<Array<Settled<T>>> {
  return settleWithin(
    Promise.all(promises.map((promise) => promise.then((value): Settled<T> => ({ ok: true, value }), (error: unknown): Settled<T> => ({ ok: false, error })))),
    withinMs,
    what,
  ).then((outcome) => {
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  });
}

/**
 * The Node process itself. Inside jest the global `process` is a sandboxed
 * copy whose listeners never hear `uncaughtException`/`unhandledRejection`;
 * `vm.runInThisContext` evaluates in the host realm, where `process` is real.
 */
const hostProcess = vm.runInThisContext('process') as NodeJS.Process;

/** Records `uncaughtException` and `unhandledRejection` of the Node process while installed; `stop()` removes the listeners. */
export function trapProcessErrors(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const record = (error: unknown) => errors.push(error);
  hostProcess.on('uncaughtException', record);
  hostProcess.on('unhandledRejection', record);
  return {
    errors,
    stop() {
      hostProcess.off('uncaughtException', record);
      hostProcess.off('unhandledRejection', record);
    },
  };
}

/** Resolves after `ms` (for letting real sockets move; never used as an assertion bound). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
