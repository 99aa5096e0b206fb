/**
 * Runs `task` with a signal that aborts after `timeoutMs`, and rejects with
 * `onTimeout()` at that moment even if the task ignores the signal: a deadline
 * for the whole call, not an idle timeout (a server that trickles its answer
 * byte by byte must not hold every waiter forever). `0` means no deadline.
 */
export async function withDeadline<T>(timeoutMs: number, task: (signal: AbortSignal) => Promise<T>, onTimeout: () => Error): Promise<T> {
  const controller = new AbortController();
  if (timeoutMs <= 0) return task(controller.signal);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(onTimeout());
      controller.abort();
    }, timeoutMs);
  });
  try {
    return await Promise.race([task(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
