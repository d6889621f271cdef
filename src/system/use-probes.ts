import { readdirSync, readFileSync, statfsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import {
  cpuPercent,
  parseDiskstats,
  parseKernelStat,
  parseKeyValueLines,
  parseMeminfo,
  parseNetDev,
  parsePressure,
  parseProcessStat,
  parseProcessStatus,
  parseSchedstat,
  parseSnmp,
  type Pressure,
} from './proc-parsers.js';

/** Utilisation, saturation and errors of each resource over an interval, read from /proc. */
export interface UseReport {
  intervalSeconds: number;
  cpu: {
    busyPercent: number;
    userPercent: number;
    systemPercent: number;
    iowaitPercent: number;
    stealPercent: number;
    perCpuBusyPercent: number[];
    loadAverage: [number, number, number];
    runnable: number;
    blocked: number;
    contextSwitchesPerSecond: number;
    forksPerSecond: number;
  };
  memory: {
    totalBytes: number;
    availableBytes: number;
    usedPercent: number;
    swapUsedBytes: number;
    swapInPagesPerSecond: number;
    swapOutPagesPerSecond: number;
    majorFaultsPerSecond: number;
  };
  disk: Array<{
    device: string;
    readsPerSecond: number;
    writesPerSecond: number;
    readKBPerSecond: number;
    writeKBPerSecond: number;
    utilPercent: number;
    queueLength: number;
  }>;
  filesystem: { path: string; usedPercent: number; availableBytes: number };
  network: Array<{
    name: string;
    rxKBPerSecond: number;
    txKBPerSecond: number;
    rxPacketsPerSecond: number;
    txPacketsPerSecond: number;
    errors: number;
    drops: number;
  }>;
  tcp: {
    established: number;
    activeOpensPerSecond: number;
    passiveOpensPerSecond: number;
    segmentsOutPerSecond: number;
    retransmitsPerSecond: number;
    retransmitPercent: number;
    attemptFails: number;
    establishedResets: number;
    inErrors: number;
  };
  /** Pressure stall information, when the kernel has it. */
  pressure: { cpu?: Pressure; memory?: Pressure; io?: Pressure };
  process?: ProcessUse;
}

export interface ProcessUse {
  pid: number;
  command: string;
  state: string;
  cpuPercent: number;
  /**
   * CPU saturation: the share of the interval its threads spent runnable but waiting in a run
   * queue for a CPU, summed over threads as cpuPercent is. cpuPercent plus this is the CPU the
   * process asked for. Absent when the kernel keeps no /proc/PID/task/TID/schedstat.
   */
  cpuWaitPercent?: number;
  rssBytes: number;
  threads: number;
}

interface Reading {
  at: number;
  stat: ReturnType<typeof parseKernelStat>;
  vmstat: Record<string, number>;
  disks: ReturnType<typeof parseDiskstats>;
  interfaces: ReturnType<typeof parseNetDev>;
  tcp: Record<string, number>;
  processTicks?: number;
  /** Nanoseconds each thread (by tid) has waited in a run queue, when the kernel says. */
  threadWaits?: Map<string, number>;
}

const CLOCK_TICKS_PER_SECOND = 100;

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

function optional(path: string): string | undefined {
  try {
    return read(path);
  } catch {
    return undefined;
  }
}

/** Run-queue wait of each thread of a process, or undefined when the kernel keeps no schedstat. */
function threadWaits(pid: number): Map<string, number> | undefined {
  const waits = new Map<string, number>();
  for (const tid of optionalList(`/proc/${pid}/task`)) {
    const text = optional(`/proc/${pid}/task/${tid}/schedstat`);
    // A thread that ended between the listing and the read has nothing left to count.
    if (text !== undefined) waits.set(tid, parseSchedstat(text).waitNanoseconds);
  }
  return waits.size > 0 ? waits : undefined;
}

function optionalList(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** Nanoseconds waited between two readings, by the threads seen in the second one. */
function waitedBetween(before: Map<string, number>, after: Map<string, number>): number {
  let waited = 0;
  for (const [tid, nanoseconds] of after) waited += nanoseconds - (before.get(tid) ?? 0);
  return waited;
}

function snapshot(pid?: number): Reading {
  const vmstat = parseKeyValueLines(read('/proc/vmstat'));
  const processStat = pid === undefined ? undefined : optional(`/proc/${pid}/stat`);
  if (pid !== undefined && processStat === undefined) throw new Error(`there is no process ${pid}`);
  const waits = pid === undefined ? undefined : threadWaits(pid);
  return {
    at: performance.now(),
    stat: parseKernelStat(read('/proc/stat')),
    vmstat,
    disks: parseDiskstats(read('/proc/diskstats')).filter((disk) => !/^(loop|ram)\d/.test(disk.device)),
    interfaces: parseNetDev(read('/proc/net/dev')),
    tcp: parseSnmp(read('/proc/net/snmp'), 'Tcp'),
    ...(processStat ? { processTicks: parseProcessStat(processStat).cpuTicks } : {}),
    ...(waits ? { threadWaits: waits } : {}),
  };
}

const rate = (delta: number, seconds: number) => Math.round((delta / seconds) * 10) / 10;

/** Samples every resource twice, `seconds` apart (at least 0.1 s), and reports rates between them. */
export async function sampleUse(
  options: { seconds?: number; pid?: number; path?: string; signal?: AbortSignal } = {},
): Promise<UseReport> {
  const interval = Math.max(0.1, options.seconds ?? 1);
  const before = snapshot(options.pid);
  await delay(interval * 1000, undefined, options.signal ? { signal: options.signal } : {});
  const after = snapshot(options.pid);
  const seconds = (after.at - before.at) / 1000;
  const cpu = cpuPercent(before.stat.cpu, after.stat.cpu);
  const memory = parseMeminfo(read('/proc/meminfo'));
  const [one = 0, five = 0, fifteen = 0] = read('/proc/loadavg').split(' ').map(Number);
  const fs = statfsSync(options.path ?? '/');
  const tcpDelta = (key: string) => (after.tcp[key] ?? 0) - (before.tcp[key] ?? 0);
  const pressure = (name: string) => {
    const text = optional(`/proc/pressure/${name}`);
    return text === undefined ? undefined : parsePressure(text);
  };
  const report: UseReport = {
    intervalSeconds: Math.round(seconds * 1000) / 1000,
    cpu: {
      busyPercent: cpu.busy,
      userPercent: cpu.user + cpu.nice,
      systemPercent: cpu.system + cpu.irq + cpu.softirq,
      iowaitPercent: cpu.iowait,
      stealPercent: cpu.steal,
      perCpuBusyPercent: after.stat.perCpu.map(
        (times, index) => cpuPercent(before.stat.perCpu[index]!, times).busy,
      ),
      loadAverage: [one, five, fifteen],
      runnable: after.stat.running,
      blocked: after.stat.blocked,
      contextSwitchesPerSecond: rate(after.stat.contextSwitches - before.stat.contextSwitches, seconds),
      forksPerSecond: rate(after.stat.forks - before.stat.forks, seconds),
    },
    memory: {
      totalBytes: memory.MemTotal ?? 0,
      availableBytes: memory.MemAvailable ?? 0,
      usedPercent: Math.round(1000 * (1 - (memory.MemAvailable ?? 0) / (memory.MemTotal || 1))) / 10,
      swapUsedBytes: (memory.SwapTotal ?? 0) - (memory.SwapFree ?? 0),
      swapInPagesPerSecond: rate((after.vmstat.pswpin ?? 0) - (before.vmstat.pswpin ?? 0), seconds),
      swapOutPagesPerSecond: rate((after.vmstat.pswpout ?? 0) - (before.vmstat.pswpout ?? 0), seconds),
      majorFaultsPerSecond: rate((after.vmstat.pgmajfault ?? 0) - (before.vmstat.pgmajfault ?? 0), seconds),
    },
    disk: after.disks.flatMap((disk) => {
      const old = before.disks.find((candidate) => candidate.device === disk.device);
      if (!old) return [];
      return [
        {
          device: disk.device,
          readsPerSecond: rate(disk.reads - old.reads, seconds),
          writesPerSecond: rate(disk.writes - old.writes, seconds),
          readKBPerSecond: rate(((disk.sectorsRead - old.sectorsRead) * 512) / 1024, seconds),
          writeKBPerSecond: rate(((disk.sectorsWritten - old.sectorsWritten) * 512) / 1024, seconds),
          utilPercent: Math.min(100, rate((disk.ioMilliseconds - old.ioMilliseconds) / 10, seconds)),
          queueLength: rate((disk.weightedMilliseconds - old.weightedMilliseconds) / 1000, seconds),
        },
      ];
    }),
    filesystem: {
      path: options.path ?? '/',
      usedPercent: Math.round(1000 * (1 - fs.bavail / (fs.blocks || 1))) / 10,
      availableBytes: fs.bavail * fs.bsize,
    },
    network: after.interfaces.flatMap((face) => {
      const old = before.interfaces.find((candidate) => candidate.name === face.name);
      if (!old) return [];
      return [
        {
          name: face.name,
          rxKBPerSecond: rate((face.rxBytes - old.rxBytes) / 1024, seconds),
          txKBPerSecond: rate((face.txBytes - old.txBytes) / 1024, seconds),
          rxPacketsPerSecond: rate(face.rxPackets - old.rxPackets, seconds),
          txPacketsPerSecond: rate(face.txPackets - old.txPackets, seconds),
          errors: face.rxErrors + face.txErrors,
          drops: face.rxDrops + face.txDrops,
        },
      ];
    }),
    tcp: {
      established: after.tcp.CurrEstab ?? 0,
      activeOpensPerSecond: rate(tcpDelta('ActiveOpens'), seconds),
      passiveOpensPerSecond: rate(tcpDelta('PassiveOpens'), seconds),
      segmentsOutPerSecond: rate(tcpDelta('OutSegs'), seconds),
      retransmitsPerSecond: rate(tcpDelta('RetransSegs'), seconds),
      retransmitPercent:
        tcpDelta('OutSegs') > 0 ? Math.round((1000 * tcpDelta('RetransSegs')) / tcpDelta('OutSegs')) / 10 : 0,
      attemptFails: after.tcp.AttemptFails ?? 0,
      establishedResets: after.tcp.EstabResets ?? 0,
      inErrors: after.tcp.InErrs ?? 0,
    },
    pressure: Object.fromEntries(
      (['cpu', 'memory', 'io'] as const).flatMap((name) => {
        const value = pressure(name);
        return value ? [[name, value]] : [];
      }),
    ),
  };
  if (options.pid !== undefined) {
    const stat = parseProcessStat(read(`/proc/${options.pid}/stat`));
    const status = parseProcessStatus(read(`/proc/${options.pid}/status`));
    report.process = {
      pid: options.pid,
      command: stat.command,
      state: stat.state,
      cpuPercent: rate(
        (((after.processTicks ?? 0) - (before.processTicks ?? 0)) * 100) / CLOCK_TICKS_PER_SECOND,
        seconds,
      ),
      ...(before.threadWaits && after.threadWaits
        ? { cpuWaitPercent: rate(waitedBetween(before.threadWaits, after.threadWaits) / 1e7, seconds) }
        : {}),
      rssBytes: status.VmRSS ?? 0,
      threads: stat.threads,
    };
  }
  return report;
}
