import { readFileSync } from 'node:fs';
import { parseSchedstat } from '../model/schedstat.js';
import { monotonicNow } from './monotonic-now.js';

/** Linux's account of the calling thread: run time, time waiting for a CPU, time slices (ns). */
const SCHEDSTAT = '/proc/thread-self/schedstat';

/**
 * The share of wall time the calling thread spent waiting for a CPU while it could have run,
 * since the previous call (the first call counts from the creation). Undefined where the kernel
 * does not say (not Linux, or schedstat hidden).
 */
export type CpuWaitShare = () => number | undefined;

export function cpuWaitShare(
  read: () => string = () => readFileSync(SCHEDSTAT, 'latin1'),
  now: () => number = monotonicNow,
): CpuWaitShare {
  const waitedNs = (): number | undefined => {
    try {
      return parseSchedstat(read()).waitNanoseconds;
    } catch {
      return undefined;
    }
  };
  let lastWaited = waitedNs();
  // Not Linux, or hidden: no file to read every time.
  if (lastWaited === undefined) return () => undefined;
  let lastLook = now();
  return () => {
    const waited = waitedNs();
    const at = now();
    const share =
      waited === undefined || lastWaited === undefined || !(at > lastLook)
        ? undefined
        : (waited - lastWaited) / 1e6 / (at - lastLook);
    lastWaited = waited;
    lastLook = at;
    return Number.isFinite(share) ? share : undefined;
  };
}
