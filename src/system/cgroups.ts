import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BadInput } from './bad-input.js';
import { MissingCapability, requireRoot } from './capability.js';
import { isCgroupName } from '../model/system-names.js';
import { parseKeyValueLines } from './proc-parsers.js';
import { parentPid } from './processes.js';
import { formatBytes } from './units.js';

export type Controller = 'cpu' | 'memory' | 'pids';

/** A cgroup faultline made, in a form the ledger can store and a later process can undo. */
export interface Cgroup {
  name: string;
  version: 1 | 2;
  /** Directory per controller; on v2 every controller shares one directory. */
  directories: Partial<Record<Controller, string>>;
}

export interface CgroupLimits {
  /** Percent of one CPU: 50 is half a CPU, 200 two CPUs (cfs_quota_us / cfs_period_us, or cpu.max). */
  cpuPercent?: number;
  memoryBytes?: number;
  pidsMax?: number;
}

/**
 * A process moved into a group, and where it was before (cgroup paths as /proc/PID/cgroup shows
 * them, relative to the controller's mount), so the move can be undone.
 */
export interface MovedProcess {
  pid: number;
  from: Partial<Record<Controller, string | undefined>>;
}

export interface CgroupStats {
  processes: number[];
  cpu?: { periods: number; throttledPeriods: number; throttledSeconds: number };
  memory?: {
    usageBytes: number;
    maxUsageBytes?: number;
    limitBytes?: number;
    failures?: number;
    oomKills: number;
  };
}

const ROOT = process.env.FAULTLINE_CGROUP_ROOT ?? '/sys/fs/cgroup';
const CPU_PERIOD_US = 100_000;

/** Which cgroup version runs the cpu and memory controllers here (v1 first on hybrid machines). */
export function cgroupVersion(): 1 | 2 {
  if (
    existsSync(join(ROOT, 'cpu', 'cpu.cfs_quota_us')) &&
    existsSync(join(ROOT, 'memory', 'memory.limit_in_bytes'))
  )
    return 1;
  if (existsSync(join(ROOT, 'cgroup.controllers'))) return 2;
  throw new MissingCapability(
    `no cgroup file system with the cpu and memory controllers is mounted at ${ROOT}`,
    'mount cgroup2 (mount -t cgroup2 none /sys/fs/cgroup), or limit the target with a bandwidth or latency toxic instead',
  );
}

function v1Directory(controller: Controller, relative: string): string {
  return join(ROOT, controller, relative);
}

export function validCgroupName(name: string): string {
  if (!isCgroupName(name))
    throw new BadInput(
      `cgroup name "${name}" must be 1-64 letters, digits, dot, dash or underscore, and not . or ..`,
    );
  return name;
}

/** The group faultline/NAME as it exists now; the error says how to create a missing one. */
export function cgroupByName(name: string): Cgroup {
  validCgroupName(name);
  const version = cgroupVersion();
  const relative = join('faultline', name);
  const directories: Cgroup['directories'] = {};
  for (const controller of ['cpu', 'memory', 'pids'] as const) {
    const directory = version === 1 ? v1Directory(controller, relative) : join(ROOT, relative);
    if (existsSync(directory)) directories[controller] = directory;
  }
  if (Object.keys(directories).length === 0)
    throw new BadInput(
      `there is no faultline cgroup "${name}": no faultline/${name} under the cpu, memory or pids controllers; "faultline cgroup create ${name}" or "faultline cgroup limit ${name}" makes one`,
    );
  return { name, version, directories };
}

/** Whether faultline/NAME exists under any controller. */
export function cgroupExists(name: string): boolean {
  try {
    cgroupByName(name);
    return true;
  } catch (error) {
    if (error instanceof MissingCapability) throw error;
    return false;
  }
}

/** The controllers that carry the given limits. */
function controllersOf(limits: CgroupLimits): Controller[] {
  const controllers: Controller[] = [];
  if (limits.cpuPercent !== undefined) controllers.push('cpu');
  if (limits.memoryBytes !== undefined) controllers.push('memory');
  if (limits.pidsMax !== undefined) controllers.push('pids');
  return controllers;
}

/**
 * Creates faultline/NAME and applies the limits. On cgroup v1 the group exists only under the
 * controllers it limits, so a process moved in for a CPU quota keeps its memory and pids cgroups
 * (a container's memory limit included); v2 has one hierarchy, where a group has every controller.
 */
export function createCgroup(name: string, limits: CgroupLimits): Cgroup {
  validCgroupName(name);
  requireRoot('changing cgroups');
  const version = cgroupVersion();
  const relative = join('faultline', name);
  const group: Cgroup = { name, version, directories: {} };
  if (version === 1) {
    for (const controller of controllersOf(limits)) {
      if (!existsSync(join(ROOT, controller))) continue;
      const directory = v1Directory(controller, relative);
      mkdirSync(directory, { recursive: true });
      group.directories[controller] = directory;
    }
  } else {
    const controllers: Controller[] = ['cpu', 'memory', 'pids'];
    enableV2Controllers(controllers);
    const directory = join(ROOT, relative);
    mkdirSync(directory, { recursive: true });
    for (const controller of controllers) group.directories[controller] = directory;
  }
  setLimits(group, limits);
  return group;
}

function enableV2Controllers(controllers: Controller[]) {
  const available = readFileSync(join(ROOT, 'cgroup.controllers'), 'utf8').split(/\s+/);
  const wanted = controllers.filter((controller) => available.includes(controller));
  const enable = wanted.map((controller) => `+${controller}`).join(' ');
  writeFileSync(join(ROOT, 'cgroup.subtree_control'), enable);
  mkdirSync(join(ROOT, 'faultline'), { recursive: true });
  writeFileSync(join(ROOT, 'faultline', 'cgroup.subtree_control'), enable);
}

export function setLimits(group: Cgroup, limits: CgroupLimits): void {
  const write = (controller: Controller, file: string, value: string) => {
    const directory = group.directories[controller];
    if (!directory) {
      throw new MissingCapability(
        `the ${controller} cgroup controller is not available`,
        'use a limit on another resource, or a toxic on the proxy in front of the target',
      );
    }
    writeFileSync(join(directory, file), value);
  };
  if (limits.cpuPercent !== undefined) {
    const quota = Math.max(1000, Math.round((CPU_PERIOD_US * limits.cpuPercent) / 100));
    if (group.version === 1) {
      write('cpu', 'cpu.cfs_period_us', String(CPU_PERIOD_US));
      write('cpu', 'cpu.cfs_quota_us', String(quota));
    } else write('cpu', 'cpu.max', `${quota} ${CPU_PERIOD_US}`);
  }
  if (limits.memoryBytes !== undefined) {
    if (group.version === 1) {
      write('memory', 'memory.limit_in_bytes', String(limits.memoryBytes));
      // memory plus swap, as v2's swap.max 0: without it the group swaps past its limit. The file
      // is there only when the kernel keeps a swap account (swapaccount=1).
      if (existsSync(join(group.directories.memory!, 'memory.memsw.limit_in_bytes')))
        write('memory', 'memory.memsw.limit_in_bytes', String(limits.memoryBytes));
    } else {
      write('memory', 'memory.max', String(limits.memoryBytes));
      write('memory', 'memory.swap.max', '0');
    }
  }
  if (limits.pidsMax !== undefined) write('pids', 'pids.max', String(limits.pidsMax));
}

/** Where a process sits now, per controller, as cgroup paths ("/user.slice/..."). */
function currentPaths(pid: number, version: 1 | 2): Partial<Record<Controller, string>> {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').filter(Boolean);
  const result: Partial<Record<Controller, string>> = {};
  for (const line of lines) {
    const [, controllers = '', ...rest] = line.split(':');
    const path = rest.join(':') || '/';
    if (version === 2 && controllers === '') {
      for (const controller of ['cpu', 'memory', 'pids'] as const) result[controller] = path;
    }
    if (version === 1) {
      for (const controller of controllers.split(',')) {
        if (controller === 'cpu' || controller === 'memory' || controller === 'pids')
          result[controller] = path;
      }
    }
  }
  return result;
}

/** The directory of a cgroup path under one controller's mount. */
function directoryOf(version: 1 | 2, controller: Controller, path: string): string {
  return version === 1 ? join(ROOT, controller, path) : join(ROOT, path);
}

/** The memory cgroup path of a process ("/user.slice/..."), if the memory controller is mounted. */
export function memoryPathOf(pid: number): string | undefined {
  return currentPaths(pid, cgroupVersion()).memory;
}

/**
 * The least memory left (limit minus use) in the memory cgroup at `path` and its ancestors, and
 * where; undefined when none of them is limited.
 */
export function memoryHeadroom(path: string): { bytes: number; path: string } | undefined {
  const version = cgroupVersion();
  const [limitFile, usageFile] =
    version === 1 ? ['memory.limit_in_bytes', 'memory.usage_in_bytes'] : ['memory.max', 'memory.current'];
  let tightest: { bytes: number; path: string } | undefined;
  for (let current = path; ; current = dirname(current)) {
    const directory = directoryOf(version, 'memory', current);
    const limit = readNumber(directory, limitFile);
    // Inactive page cache is reclaimed before an OOM kill, so it does not count as used.
    const stat = readKeyed(directory, 'memory.stat');
    const reclaimable = (version === 1 ? stat.total_inactive_file : stat.inactive_file) ?? 0;
    const usage = (readNumber(directory, usageFile) ?? 0) - reclaimable;
    if (limit !== undefined && (tightest === undefined || limit - usage < tightest.bytes))
      tightest = { bytes: Math.max(0, limit - usage), path: current };
    if (current === '/' || current === '.') return tightest;
  }
}

/** A limit a process is under where it sits, which it escapes when moved into faultline/NAME. */
export interface LimitLeft {
  controller: Controller;
  /** The cgroup path that sets it, the process's own or an ancestor. */
  path: string;
  /** "memory.max 256.0 MiB", "pids.max 32", "cpu.max 50% of a CPU". */
  limit: string;
}

/**
 * The limits set on `origin`'s cgroups (and their ancestors) under the controllers `group` moves
 * a process in: faultline/NAME sits beside them, not below, so none of them applies there.
 */
export function limitsLeftBehind(group: Cgroup, origin: MovedProcess): LimitLeft[] {
  const left: LimitLeft[] = [];
  for (const controller of Object.keys(group.directories) as Controller[]) {
    const start = origin.from[controller];
    if (start === undefined) continue;
    for (let current = start; current !== '/' && current !== '.'; current = dirname(current)) {
      const limit = limitAt(group.version, controller, directoryOf(group.version, controller, current));
      if (limit === undefined) continue;
      left.push({ controller, path: current, limit });
      break;
    }
  }
  return left;
}

function limitAt(version: 1 | 2, controller: Controller, directory: string): string | undefined {
  if (controller === 'memory') {
    const file = version === 1 ? 'memory.limit_in_bytes' : 'memory.max';
    const bytes = readNumber(directory, file);
    return bytes === undefined ? undefined : `${file} ${formatBytes(bytes)}`;
  }
  if (controller === 'pids') {
    const most = readNumber(directory, 'pids.max');
    return most === undefined ? undefined : `pids.max ${most}`;
  }
  let quota: number | undefined;
  let period: number | undefined;
  if (version === 1) {
    quota = readNumber(directory, 'cpu.cfs_quota_us');
    period = readNumber(directory, 'cpu.cfs_period_us');
  } else {
    const [max, length] = readText(directory, 'cpu.max')?.split(/\s+/) ?? [];
    quota = max === undefined || max === 'max' ? undefined : Number(max);
    period = Number(length);
  }
  if (quota === undefined || quota < 0 || !period) return undefined;
  const file = version === 1 ? 'cpu.cfs_quota_us' : 'cpu.max';
  return `${file} ${Math.round((quota / period) * 100)}% of a CPU`;
}

function readText(directory: string, file: string): string | undefined {
  try {
    return readFileSync(join(directory, file), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Where a process sits now, recorded before a move so the move can be undone. */
export function originOf(pid: number): MovedProcess {
  return { pid, from: currentPaths(pid, cgroupVersion()) };
}

export function moveInto(group: Cgroup, pid: number): void {
  const written = new Set<string>();
  for (const directory of Object.values(group.directories)) {
    if (written.has(directory)) continue;
    writeFileSync(join(directory, 'cgroup.procs'), String(pid));
    written.add(directory);
  }
}

/** sh that puts itself into the group, then execs the command: it starts limited from its first instruction. */
export function commandInCgroup(group: Cgroup, command: string[]): string[] {
  const files = [...new Set(Object.values(group.directories))].map((directory) =>
    join(directory, 'cgroup.procs'),
  );
  const script = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';
  return ['/bin/sh', '-c', script, 'sh', ...files, '--', ...command];
}

function readNumber(directory: string | undefined, file: string): number | undefined {
  if (!directory) return undefined;
  try {
    const text = readFileSync(join(directory, file), 'utf8').trim();
    const value = Number(text);
    return text === 'max' || value >= 2 ** 60 ? undefined : value;
  } catch {
    return undefined;
  }
}

function readKeyed(directory: string | undefined, file: string): Record<string, number> {
  if (!directory) return {};
  try {
    return parseKeyValueLines(readFileSync(join(directory, file), 'utf8'));
  } catch {
    return {};
  }
}

function processesIn(directory: string): number[] {
  return readFileSync(join(directory, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
}

/** Every process in the group, under any of its controllers, in pid order. */
export function processesOf(group: Cgroup): number[] {
  const pids = new Set<number>();
  for (const directory of new Set(Object.values(group.directories)))
    if (existsSync(directory)) for (const pid of processesIn(directory)) pids.add(pid);
  return [...pids].sort((a, b) => a - b);
}

/** The fields whose files hold a number; a missing file or "max" leaves its field out. */
function numbers<K extends string>(directory: string, files: Record<K, string>): Partial<Record<K, number>> {
  const result: Partial<Record<K, number>> = {};
  for (const [field, file] of Object.entries(files) as Array<[K, string]>) {
    const value = readNumber(directory, file);
    if (value !== undefined) result[field] = value;
  }
  return result;
}

export function cgroupStats(group: Cgroup): CgroupStats {
  const { cpu, memory } = group.directories;
  const anyDirectory = cpu ?? memory ?? group.directories.pids;
  const processes = anyDirectory ? processesIn(anyDirectory) : [];
  const cpuStat = readKeyed(cpu, 'cpu.stat');
  const stats: CgroupStats = { processes };
  if (cpu) {
    stats.cpu = {
      periods: cpuStat.nr_periods ?? 0,
      throttledPeriods: cpuStat.nr_throttled ?? 0,
      throttledSeconds:
        group.version === 1 ? (cpuStat.throttled_time ?? 0) / 1e9 : (cpuStat.throttled_usec ?? 0) / 1e6,
    };
  }
  if (memory) {
    if (group.version === 1) {
      const read = numbers(memory, {
        usageBytes: 'memory.usage_in_bytes',
        maxUsageBytes: 'memory.max_usage_in_bytes',
        limitBytes: 'memory.limit_in_bytes',
        failures: 'memory.failcnt',
      });
      stats.memory = {
        ...read,
        usageBytes: read.usageBytes ?? 0,
        maxUsageBytes: read.maxUsageBytes ?? 0,
        failures: read.failures ?? 0,
        oomKills: readKeyed(memory, 'memory.oom_control').oom_kill ?? 0,
      };
    } else {
      const read = numbers(memory, {
        usageBytes: 'memory.current',
        maxUsageBytes: 'memory.peak',
        limitBytes: 'memory.max',
      });
      stats.memory = {
        ...read,
        usageBytes: read.usageBytes ?? 0,
        oomKills: readKeyed(memory, 'memory.events').oom_kill ?? 0,
      };
    }
  }
  return stats;
}

/**
 * The moved processes, and each process in the group that descends from one of them (forked there
 * after the move) with the origin of the nearest it descends from: it goes back with its parent.
 */
export function withDescendants(group: Cgroup, moved: MovedProcess[]): MovedProcess[] {
  const origins = new Map(moved.map((entry) => [entry.pid, entry.from]));
  const descendants = processesOf(group).flatMap((pid) => {
    if (origins.has(pid)) return [];
    for (
      let ancestor = parentPid(pid), steps = 0;
      ancestor !== undefined && ancestor > 1 && steps < 1024;
      steps++
    ) {
      const from = origins.get(ancestor);
      if (from) return [{ pid, from }];
      ancestor = parentPid(ancestor);
    }
    return [];
  });
  return [...moved, ...descendants];
}

/**
 * Moves every process back where it, or the moved process it descends from, came from (others to
 * the parent), then removes the group.
 */
export function removeCgroup(group: Cgroup, moved: MovedProcess[] = []): void {
  requireRoot('changing cgroups');
  const origins = new Map(withDescendants(group, moved).map((entry) => [entry.pid, entry.from]));
  for (const [controller, directory] of Object.entries(group.directories) as Array<[Controller, string]>) {
    if (!existsSync(directory)) continue;
    const parent = join(directory, '..');
    for (const pid of processesIn(directory)) {
      const origin = origins.get(pid)?.[controller];
      const back = origin === undefined ? parent : directoryOf(group.version, controller, origin);
      try {
        writeFileSync(join(existsSync(back) ? back : parent, 'cgroup.procs'), String(pid));
      } catch {
        // The process exited between the read and the write.
      }
    }
  }
  for (const directory of new Set(Object.values(group.directories))) {
    if (existsSync(directory)) rmdirSync(directory);
  }
}

/** What removeCgroup would do, for `faultline rollback --dry-run`. */
export function explainRemoval(group: Cgroup, moved: MovedProcess[]): string {
  const backs = withDescendants(group, moved).flatMap((entry) =>
    Object.entries(entry.from).flatMap(([controller, path]) =>
      path === undefined || group.directories[controller as Controller] === undefined
        ? []
        : [`pid ${entry.pid} to ${directoryOf(group.version, controller as Controller, path)}`],
    ),
  );
  const directories = [...new Set(Object.values(group.directories))];
  return `move the processes of faultline/${group.name} back (${backs.join(', ') || 'to the parent group'}), then rmdir ${directories.join(' ')}`;
}
