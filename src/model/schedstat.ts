/**
 * One thread's /proc/PID/task/TID/schedstat (or /proc/thread-self/schedstat): nanoseconds on a
 * CPU and nanoseconds waiting in a run queue. Read by the system probes and by the proxy's busy
 * poll, so it lives here, where both may import it.
 */
export interface Schedstat {
  runNanoseconds: number;
  waitNanoseconds: number;
}

export function parseSchedstat(text: string): Schedstat {
  const [run, wait] = text.trim().split(/\s+/).map(Number);
  if (!Number.isFinite(run) || !Number.isFinite(wait))
    throw new Error(`a schedstat line is "<run ns> <wait ns> <slices>", read "${text.trim()}"`);
  return { runNanoseconds: run!, waitNanoseconds: wait! };
}
