import { readFileSync } from 'node:fs';
import { FaultlineError } from '../model/errors.js';
import { type Cgroup, cgroupStats, memoryHeadroom, memoryPathOf } from './cgroups.js';
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
 * What a new process in `group` (or beside this one) can take before an OOM kill reaches past it:
 * MemAvailable, or less when a memory cgroup it would sit in (a container's) leaves less.
 */
function roomFor(group: Cgroup | undefined): { bytes: number; where: string } | undefined {
  const available = availableMemoryBytes();
  let headroom: { bytes: number; path: string } | undefined;
  try {
    // A v1 group without a memory limit has no memory cgroup: the stress stays in faultline's.
    const path = group?.directories.memory ? `/faultline/${group.name}` : memoryPathOf(process.pid);
    headroom = path === undefined ? undefined : memoryHeadroom(path);
  } catch {
    headroom = undefined; // No cgroup file system: the machine's figure is all there is.
  }
  if (headroom !== undefined && (available === undefined || headroom.bytes < available))
    return {
      bytes: headroom.bytes,
      where: `the memory cgroup ${headroom.path} leaves (its limit minus its use)`,
    };
  return available === undefined ? undefined : { bytes: available, where: 'this machine has available' };
}

/**
 * Refuses a memory stress larger than the machine (or the memory cgroup faultline runs in) has
 * available, unless a cgroup's memory limit holds it (then only the stress is OOM-killed) or
 * `force`: past it the OOM killer picks its victims among every process there.
 */
export function checkMemoryStress(
  bytes: number,
  options: { cgroup?: Cgroup | undefined; force?: boolean | undefined },
): void {
  if (options.force) return;
  const limit = options.cgroup ? cgroupStats(options.cgroup).memory?.limitBytes : undefined;
  if (limit !== undefined) {
    // The group's OOM kill comes first only if the stress reaches the limit before the machine runs out.
    const available = availableMemoryBytes();
    if (available === undefined || Math.min(bytes, limit) <= available) return;
    refuse(
      bytes,
      { bytes: available, where: 'this machine has available' },
      ` (cgroup faultline/${options.cgroup!.name}'s memory limit, ${formatBytes(limit)}, is more than that, so it would not stop the stress)`,
    );
  }
  const room = roomFor(options.cgroup);
  if (room === undefined || bytes <= room.bytes) return;
  refuse(bytes, room, options.cgroup ? ` (cgroup faultline/${options.cgroup.name} has no memory limit)` : '');
}

function refuse(bytes: number, room: { bytes: number; where: string }, inGroup: string): never {
  throw new FaultlineError(
    'FAULTLINE_ERR_INVALID_FIELD',
    `a memory stress of ${formatBytes(bytes)} is more than the ${formatBytes(room.bytes)} ${room.where}${inGroup}: the kernel would OOM-kill processes beyond the stress, so nothing was started; give a smaller size, run it in a cgroup whose memory limit is below that (faultline cgroup create small --memory 512M, then --cgroup small), or force it (--force, or force: true)`,
  );
}
