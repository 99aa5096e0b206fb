/** The part of an `AbortSignal` (or axios's `GenericAbortSignal`) used here. */
interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener?: (type: 'abort', listener: () => void) => void;
  removeEventListener?: (type: 'abort', listener: () => void) => void;
}

function isSignal(value: unknown): value is AbortSignalLike {
  return typeof value === 'object' && value !== null && typeof (value as { aborted?: unknown }).aborted === 'boolean';
}

/**
 * `promise`, unless `signal` aborts first: then `onAbort()` at once. The
 * wait is abandoned, not the work: a refresh shared with other requests goes
 * on for them.
 */
export function unlessAborted<T>(promise: Promise<T>, signal: unknown, onAbort: () => Error): Promise<T> {
  if (!isSignal(signal)) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined); // its outcome no longer has a listener
    return Promise.reject(onAbort());
  }
  if (typeof signal.addEventListener !== 'function') return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      promise.catch(() => undefined);
      reject(onAbort());
    };
    signal.addEventListener?.('abort', abort);
    promise.then(resolve, reject).finally(() => signal.removeEventListener?.('abort', abort));
  });
}
