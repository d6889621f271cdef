import { readFileSync } from 'node:fs';
import { FaultlineError } from '../model/errors.js';
import { type Cgroup, cgroupStats } from './cgroups.js';
import { parseMeminfo } from './proc-parsers.js';
import { formatBytes } from './units.js';

/** What the kernel says it can hand out without swapping (MemAvailable), in bytes. */
export function availableMemoryBytes(): number | undefined {
  try {
    return parseMeminfo(readFileSync('/proc/meminfo', 'utf8')).MemAvailable;
  } catch {
    return undefined;
  }
}

/**
 * Refuses a memory stress larger than the machine has available, unless a cgroup's memory limit
 * holds it (then only the stress is OOM-killed) or `force`: past MemAvailable the kernel's global
 * OOM killer picks its victim among every process on the machine.
 */
export function checkMemoryStress(
  bytes: number,
  options: { cgroup?: Cgroup | undefined; force?: boolean | undefined },
): void {
  if (options.force) return;
  const limit = options.cgroup ? cgroupStats(options.cgroup).memory?.limitBytes : undefined;
  if (limit !== undefined) return;
  const available = availableMemoryBytes();
  if (available === undefined || bytes <= available) return;
  const inGroup = options.cgroup ? ` (cgroup faultline/${options.cgroup.name} has no memory limit)` : '';
  throw new FaultlineError(
    'FAULTLINE_ERR_INVALID_FIELD',
    `a memory stress of ${formatBytes(bytes)} is more than the ${formatBytes(available)} this machine has available${inGroup}: the kernel would OOM-kill processes anywhere on it, so nothing was started; give a smaller size, run it in a cgroup with a memory limit (faultline cgroup create small --memory 512M, then --cgroup small), or force it (--force, or force: true)`,
  );
}
