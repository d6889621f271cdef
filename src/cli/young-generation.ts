import v8 from 'node:v8';
import vm from 'node:vm';
import type { Engine } from '../proxy/engine.js';

/** What the policy needs of V8, so a test can stand in for it. */
export interface YoungGenerationHeap {
  /** Lets V8 grow the young generation as what survives its collections asks (true), or holds it (false). */
  allowGrowth(allowed: boolean): void;
  /** The young generation's size now, in bytes. */
  size(): number;
  /** A young-generation collection: V8 shrinks the young generation then, if little was allocated in the last 5 s. */
  collect(): void;
}

export interface YoungGenerationSettings {
  /** How often the policy looks at the traffic. */
  checkEveryMs: number;
  /** How long without HTTP traffic before the young generation goes back to its size at start. */
  idleAfterMs: number;
}

/**
 * Sizes V8's young generation by HTTP traffic. The server holds it at its starting size
 * (server-heap.ts), which keeps an idle server and one with 1,000 proxies small. An http proxy's
 * requests in flight are still alive at every collection of so small a young generation, which
 * then copies them ten times as often as one V8 sized for them: measured under 32 keep-alive
 * connections, a fifth of the proxy's CPU per request (docs/performance.md). So while bytes move
 * through http proxies V8 may grow it, and after `idleAfterMs` without any the policy holds it
 * again and collects, at most once per quiet `idleAfterMs`, until V8 has shrunk it back.
 */
export class YoungGenerationPolicy {
  private lastTraffic: number;
  private quietMs = 0;
  private growing = false;
  private readonly startSize: number;

  constructor(
    private readonly heap: YoungGenerationHeap,
    private readonly traffic: () => number,
    private readonly settings: YoungGenerationSettings,
  ) {
    this.lastTraffic = traffic();
    this.startSize = heap.size();
  }

  /** One look at the traffic; a timer calls it every `checkEveryMs`. */
  check(): void {
    const traffic = this.traffic();
    if (traffic !== this.lastTraffic) {
      this.lastTraffic = traffic;
      this.quietMs = 0;
      if (!this.growing) this.heap.allowGrowth(true);
      this.growing = true;
      return;
    }
    this.quietMs += this.settings.checkEveryMs;
    if (this.quietMs < this.settings.idleAfterMs) return;
    if (this.growing) this.heap.allowGrowth(false);
    this.growing = false;
    if (this.heap.size() > this.startSize) this.heap.collect();
    // The next collection, if V8 kept its size, waits for another quiet spell.
    this.quietMs = 0;
  }
}

/**
 * The real V8 heap. V8 grows the young generation once what survived its collections since the
 * last growth passes its size, by the growth factor (V8's default 2). Here the factor is 16: past
 * the doubling V8 makes at the first collections, one step reaches V8's bound (16 MB a
 * semi-space). By 4, under 32 keep-alive connections, it spent 2-3 s a quarter of the way there;
 * and V8 itself shrinks it at the first collection of a burst that follows seconds without
 * allocation, so a load that pauses paid those seconds again at every burst (docs/performance.md).
 */
export const v8Heap: YoungGenerationHeap = {
  allowGrowth: (allowed) => v8.setFlagsFromString(`--semi-space-growth-factor=${allowed ? 16 : 1}`),
  size: () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0,
  collect: () => collector()({ type: 'minor' }),
};

type Collector = (options: { type: 'minor' | 'major' }) => void;
let gc: Collector | undefined;

/**
 * V8's `gc`, made at the first shrink in a context of its own: the server's own global never
 * gets one, and a server that never carried HTTP traffic never makes the context.
 */
function collector(): Collector {
  if (gc) return gc;
  v8.setFlagsFromString('--expose-gc');
  gc = vm.runInNewContext('gc') as Collector;
  v8.setFlagsFromString('--no-expose-gc');
  return gc;
}

/** Bytes that have moved through the engine's http proxies, both ways, since they were made. */
export function httpBytes(engine: Engine): number {
  let total = 0;
  for (const proxy of engine.list()) {
    if (proxy.protocol !== 'http') continue;
    const { bytes } = proxy.stats();
    total += bytes.upstream.received + bytes.downstream.received;
  }
  return total;
}

/**
 * How long without HTTP traffic before the young generation goes back to its starting size.
 * Loads come in bursts with pauses between them (a test suite's files, a benchmark's turns): at
 * 10 s, a pause of 12-18 s between turns of `node dist/bench/http.js` shrank it before every
 * turn, and each turn began with the scavenge every 70 requests that growing it is there to end.
 */
export const QUIET_BEFORE_SHRINKING_MS = 30_000;

/** Starts the policy for a running engine; the returned function stops it. */
export function followHttpTraffic(
  engine: Engine,
  heap: YoungGenerationHeap = v8Heap,
  settings: YoungGenerationSettings = { checkEveryMs: 1000, idleAfterMs: QUIET_BEFORE_SHRINKING_MS },
): () => void {
  const policy = new YoungGenerationPolicy(heap, () => httpBytes(engine), settings);
  const timer = setInterval(() => policy.check(), settings.checkEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}
