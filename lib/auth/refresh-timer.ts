/** setTimeout overflows past 2^31 - 1 ms; a longer wait is simply re-checked then. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * The background refresh of `autoRefresh`: one pending timer at most, which
 * never keeps a Node process alive (`unref`, where the runtime has it: a
 * browser timer is a number).
 */
export class RefreshTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;

  schedule(delayMs: number, fire: () => void): void {
    this.stop();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      fire();
    }, Math.min(Math.max(0, delayMs), MAX_DELAY_MS));
    (this.timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
