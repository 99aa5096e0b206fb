/**
 * Ids seen once (a DPoP proof's or a client assertion's `jti`), each kept until
 * the moment its token could no longer pass the time checks anyway, so a
 * second use is caught and memory stays bounded by the traffic of one window.
 */
export class ReplayCache {
  private readonly forgetAt = new Map<string, number>();
  private nextSweep = 1024;

  /** Has this id been seen, and not yet forgotten? */
  has(key: string): boolean {
    const until = this.forgetAt.get(key);
    return until !== undefined && Date.now() < until;
  }

  /** Remembers an id until `forgetAtMs` (epoch ms). */
  add(key: string, forgetAtMs: number): void {
    this.forgetAt.set(key, forgetAtMs);
    if (this.forgetAt.size < this.nextSweep) return;
    const now = Date.now();
    for (const [id, until] of this.forgetAt) if (until <= now) this.forgetAt.delete(id);
    // Sweeps stay rare however many ids are alive: each one at most doubles the threshold.
    this.nextSweep = Math.max(1024, this.forgetAt.size * 2);
  }

  clear(): void {
    this.forgetAt.clear();
    this.nextSweep = 1024;
  }
}
