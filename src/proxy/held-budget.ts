/**
 * One budget for the bytes every toxic on every connection holds (queued, delayed, throttled).
 * Toxiproxy bounds each toxic per connection only, so many connections or stacked toxics could
 * hold gigabytes. Past the budget, pipelines pause their source sockets (TCP back-pressure does
 * the rest) and resume once holdings fall to three quarters of it; nothing is ever dropped.
 * Each pipeline may overshoot by the one read it had in hand when the budget filled.
 */
export class HeldBudget {
  private heldBytes = 0;
  private readonly waiting = new Set<() => void>();

  constructor(readonly maxBytes: number) {}

  get held(): number {
    return this.heldBytes;
  }

  get full(): boolean {
    return this.heldBytes > this.maxBytes;
  }

  take(bytes: number): void {
    this.heldBytes += bytes;
  }

  release(bytes: number): void {
    this.heldBytes -= bytes;
    if (this.waiting.size > 0 && this.heldBytes <= this.maxBytes * 0.75) {
      const woken = [...this.waiting];
      this.waiting.clear();
      for (const wake of woken) wake();
    }
  }

  /** Calls `wake` once holdings are low again. */
  whenRoom(wake: () => void): void {
    this.waiting.add(wake);
  }

  forget(wake: () => void): void {
    this.waiting.delete(wake);
  }
}
