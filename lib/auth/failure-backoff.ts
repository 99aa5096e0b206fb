import type { AuthError } from '../errors';

/**
 * The pace of token requests after trouble: a failed flight (or a fresh token
 * refused, or one that arrived already due) earns a doubling wait, capped.
 * During a wait a failure is answered from here, without a request. The
 * streak survives a success that only recovered from a refusal, so a server
 * that refuses every token cannot make the manager ask once per request.
 */
export class FailureBackoff {
  private streak = 0;
  private gate: { error: AuthError | undefined; until: number } | undefined;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** The error to fail fast with, while a failure's wait lasts. */
  blocking(now: number): AuthError | undefined {
    return this.gate?.error !== undefined && now < this.gate.until ? this.gate.error : undefined;
  }

  /** True while any wait lasts (a failure's, or the spacing after a token that arrived due). */
  waiting(now: number): boolean {
    return this.gate !== undefined && now < this.gate.until;
  }

  /** Epoch ms at which the current wait ends (undefined when none). */
  get until(): number | undefined {
    return this.gate?.until;
  }

  /** Starts the next, longer wait; `error` fails callers fast meanwhile (none: only the pace). Returns its length. */
  record(error: AuthError | undefined, now: number): number {
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** this.streak);
    this.streak++;
    this.gate = { error, until: now + delay };
    return delay;
  }

  /** A good token: no more failing fast; `keepStreak` when the token only replaced a refused one. */
  succeeded(keepStreak: boolean): void {
    this.gate = undefined;
    if (!keepStreak) this.streak = 0;
  }

  /** Forgets everything (a new session). */
  reset(): void {
    this.gate = undefined;
    this.streak = 0;
  }
}
