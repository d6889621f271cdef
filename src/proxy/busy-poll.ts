import { type CpuWaitShare, cpuWaitShare } from './cpu-contention.js';
import { monotonicNow } from './monotonic-now.js';

/**
 * An idle Node event loop sleeps in epoll, and waking it costs tens of microseconds on every
 * hop. After socket activity the loop is kept polling (setImmediate turns, which poll I/O
 * without blocking) for a short window, so a reply that comes back within the window is
 * forwarded without a wake-up. Go's netpoller spins the same way. The cost is CPU only while
 * traffic flows; an idle proxy does not spin. A window of 0 turns it off.
 *
 * Spinning pays only while a CPU would otherwise sit idle. Where every CPU is taken (a CI runner
 * with the tests, the services and the proxy on two cores), the spinning loop takes the time the
 * client and the upstream need to answer, and the proxy is slower than one that sleeps. So every
 * LOOK_EVERY_MS of traffic the poll looks at how long the loop's thread waited for a CPU while it
 * could run (Linux schedstat), and while that was more than MAX_WAIT_SHARE of the time it does
 * not spin.
 */
export interface BusyPoll {
  activity(): void;
  stop(): void;
}

export const LOOK_EVERY_MS = 100;
export const MAX_WAIT_SHARE = 0.1;

export interface BusyPollOptions {
  /** The thread's share of time spent waiting for a CPU since the last look; the kernel's by default. */
  readonly waitShare?: CpuWaitShare;
  readonly now?: () => number;
}

export function createBusyPoll(windowMicroseconds: number, options: BusyPollOptions = {}): BusyPoll {
  if (windowMicroseconds <= 0) return { activity: () => undefined, stop: () => undefined };
  const now = options.now ?? monotonicNow;
  const waitShare = options.waitShare ?? cpuWaitShare();
  const windowMs = windowMicroseconds / 1000;
  let until = 0;
  let handle: ReturnType<typeof setImmediate> | undefined;
  let spinning = true;
  let nextLook = now() + LOOK_EVERY_MS;
  const spin = () => {
    handle = now() < until ? setImmediate(spin) : undefined;
  };
  return {
    activity() {
      const at = now();
      if (at >= nextLook) {
        // Where the kernel does not say, the poll spins as it always did.
        spinning = (waitShare() ?? 0) <= MAX_WAIT_SHARE;
        nextLook = at + LOOK_EVERY_MS;
      }
      if (!spinning) return;
      until = at + windowMs;
      if (handle === undefined) handle = setImmediate(spin);
    },
    stop() {
      until = 0;
      if (handle !== undefined) clearImmediate(handle);
      handle = undefined;
    },
  };
}
