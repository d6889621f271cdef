/** Parsers for the /proc files the USE-method probes read; pure, so they are tested on fixed text. */

export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

export interface KernelStat {
  cpu: CpuTimes;
  perCpu: CpuTimes[];
  contextSwitches: number;
  forks: number;
  running: number;
  blocked: number;
}

const CPU_FIELDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

function cpuTimes(fields: string[]): CpuTimes {
  return Object.fromEntries(
    CPU_FIELDS.map((name, index) => [name, Number(fields[index] ?? 0)]),
  ) as unknown as CpuTimes;
}

export function parseKernelStat(text: string): KernelStat {
  const stat: KernelStat = {
    cpu: cpuTimes([]),
    perCpu: [],
    contextSwitches: 0,
    forks: 0,
    running: 0,
    blocked: 0,
  };
  for (const line of text.split('\n')) {
    const [key = '', ...fields] = line.trim().split(/\s+/);
    if (key === 'cpu') stat.cpu = cpuTimes(fields);
    else if (/^cpu\d+$/.test(key)) stat.perCpu.push(cpuTimes(fields));
    else if (key === 'ctxt') stat.contextSwitches = Number(fields[0]);
    else if (key === 'processes') stat.forks = Number(fields[0]);
    else if (key === 'procs_running') stat.running = Number(fields[0]);
    else if (key === 'procs_blocked') stat.blocked = Number(fields[0]);
  }
  return stat;
}

/** Percent of CPU time per kind between two readings, as top and vmstat show it. */
export function cpuPercent(before: CpuTimes, after: CpuTimes): CpuTimes & { busy: number } {
  const deltas = CPU_FIELDS.map((name) => after[name] - before[name]);
  const total = deltas.reduce((sum, value) => sum + value, 0) || 1;
  const percent = Object.fromEntries(
    CPU_FIELDS.map((name, index) => [name, round((deltas[index]! * 100) / total)]),
  ) as unknown as CpuTimes;
  return { ...percent, busy: round(100 - percent.idle - percent.iowait) };
}

/** "key value" lines, as /proc/vmstat and cgroup files such as cpu.stat and memory.events hold them. */
export function parseKeyValueLines(text: string): Record<string, number> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [key = '', value = '0'] = line.trim().split(/\s+/);
        return [key, Number(value)];
      }),
  );
}

/** /proc/meminfo in bytes, keyed as the kernel names them (MemAvailable, SwapFree, ...). */
export function parseMeminfo(text: string): Record<string, number> {
  const result: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(\S+):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (match) result[match[1]!] = Number(match[2]) * (line.endsWith('kB') ? 1024 : 1);
  }
  return result;
}

export interface DiskCounters {
  device: string;
  reads: number;
  sectorsRead: number;
  writes: number;
  sectorsWritten: number;
  ioMilliseconds: number;
  weightedMilliseconds: number;
}

export function parseDiskstats(text: string): DiskCounters[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 14)
    .map((fields) => ({
      device: fields[2]!,
      reads: Number(fields[3]),
      sectorsRead: Number(fields[5]),
      writes: Number(fields[7]),
      sectorsWritten: Number(fields[9]),
      ioMilliseconds: Number(fields[12]),
      weightedMilliseconds: Number(fields[13]),
    }));
}

export interface InterfaceCounters {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDrops: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDrops: number;
}

export function parseNetDev(text: string): InterfaceCounters[] {
  return text
    .split('\n')
    .slice(2)
    .filter((line) => line.includes(':'))
    .map((line) => {
      const [name = '', rest = ''] = line.split(':');
      const f = rest.trim().split(/\s+/).map(Number);
      return {
        name: name.trim(),
        rxBytes: f[0]!,
        rxPackets: f[1]!,
        rxErrors: f[2]!,
        rxDrops: f[3]!,
        txBytes: f[8]!,
        txPackets: f[9]!,
        txErrors: f[10]!,
        txDrops: f[11]!,
      };
    });
}

/** One protocol's counters from /proc/net/snmp, whose lines come in header/value pairs. */
export function parseSnmp(text: string, protocol: string): Record<string, number> {
  const lines = text.split('\n').filter((line) => line.startsWith(`${protocol}:`));
  const [header, values] = lines.map((line) => line.split(/\s+/).slice(1));
  if (!header || !values) return {};
  return Object.fromEntries(header.map((name, index) => [name, Number(values[index])]));
}

export interface Pressure {
  someAvg10: number;
  someAvg60: number;
  fullAvg10?: number;
  fullAvg60?: number;
}

export function parsePressure(text: string): Pressure {
  const pick = (kind: string, key: string) => {
    const line = text.split('\n').find((candidate) => candidate.startsWith(kind));
    const match = line ? new RegExp(`${key}=([\\d.]+)`).exec(line) : null;
    return match ? Number(match[1]) : undefined;
  };
  const full10 = pick('full', 'avg10');
  const full60 = pick('full', 'avg60');
  return {
    someAvg10: pick('some', 'avg10') ?? 0,
    someAvg60: pick('some', 'avg60') ?? 0,
    ...(full10 === undefined ? {} : { fullAvg10: full10 }),
    ...(full60 === undefined ? {} : { fullAvg60: full60 }),
  };
}

export interface ProcessStat {
  pid: number;
  command: string;
  state: string;
  /** User plus system time, in clock ticks. */
  cpuTicks: number;
  threads: number;
}

export function parseProcessStat(text: string): ProcessStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  return {
    pid: Number(text.slice(0, open).trim()),
    command: text.slice(open + 1, close),
    state: rest[0]!,
    cpuTicks: Number(rest[11]) + Number(rest[12]),
    threads: Number(rest[17]),
  };
}

export { parseSchedstat, type Schedstat } from '../model/schedstat.js';

/** VmRSS and friends from /proc/PID/status, in bytes. */
export function parseProcessStatus(text: string): Record<string, number> {
  return parseMeminfo(text);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
