import type { Clock } from '../src/model/clock.js';

/**
 * A clock that only moves when the test says so; sleeps resolve as time passes their deadline,
 * or `wakesLateMs` after it, as a real timer does on a loaded machine.
 */
export class FakeClock implements Clock {
  private time = 0;
  private sleepers: Array<{ deadline: number; resolve: () => void }> = [];

  constructor(private readonly wakesLateMs = 0) {}

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const sleeper = { deadline: this.time + ms + this.wakesLateMs, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((other) => other !== sleeper);
        resolve();
      });
    });
  }

  /** Moves time forward, waking sleepers in deadline order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const next = this.sleepers
        .filter((s) => s.deadline <= target)
        .sort((a, b) => a.deadline - b.deadline)[0];
      if (!next) break;
      this.time = Math.max(this.time, next.deadline);
      this.sleepers = this.sleepers.filter((other) => other !== next);
      next.resolve();
    }
    this.time = target;
    await new Promise((resolve) => setImmediate(resolve));
  }

  get pending(): number {
    return this.sleepers.length;
  }
}
