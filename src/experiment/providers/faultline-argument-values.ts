import { isObject, type Json } from '../../model/experiment.js';
import { validCgroupName } from '../../system/cgroups.js';
import { checkRate, subnetFor, validHostName, validLabName } from '../../system/netlab.js';
import { NETEM_ARGUMENTS, netemSettings } from '../../system/netem-settings.js';
import { memoryBytes } from '../../system/operations/cgroup-operations.js';
import { selectorFrom, signalNumber } from '../../system/processes.js';
import { killPlan, parseCount, parseInterval } from '../../system/kill-loop.js';
import { checkErrno, checkSyscallName, checkWhen } from '../../system/strace.js';
import { hasPlaceholder } from '../substitute.js';

/** One value check the run makes: the arguments it reads, and what it throws on a bad value. */
interface ValueCheck {
  reads: string[];
  /** How the problem names what was wrong, by default `argument 'NAME'`; '' when the message does. */
  label?: string;
  check(args: Record<string, Json>): void;
}

const SELECTOR_KEYS = ['pid', 'port', 'match', 'pidfile'];

const selector: ValueCheck = {
  reads: SELECTOR_KEYS,
  label: '',
  check: (args) => void selectorFrom(args),
};

/** use.* samples the whole machine when no process is chosen: a selector is checked only when given. */
const optionalSelector: ValueCheck = {
  ...selector,
  check: (args) => {
    if (SELECTOR_KEYS.some((key) => args[key] !== undefined)) selectorFrom(args);
  },
};

const text = (args: Record<string, Json>, key: string) => String(args[key]);

const cgroupName: ValueCheck = { reads: ['name'], check: (args) => void validCgroupName(text(args, 'name')) };
const optionalCgroupName: ValueCheck = {
  reads: ['name'],
  check: (args) => void (args.name === undefined || validCgroupName(text(args, 'name'))),
};
const stressCgroup: ValueCheck = {
  reads: ['cgroup'],
  check: (args) => void (args.cgroup === undefined || validCgroupName(text(args, 'cgroup'))),
};
const memory: ValueCheck = {
  reads: ['memory'],
  check: (args) => void (args.memory === undefined || memoryBytes(args.memory as number | string)),
};
const labName: ValueCheck = { reads: ['lab'], check: (args) => void validLabName(text(args, 'lab')) };
const hostName = (key: string): ValueCheck => ({
  reads: [key],
  check: (args) => void validHostName(text(args, key)),
});

const useChecks = [optionalSelector];

/** use.process reports one process: without a target it has nothing to report. */
const oneProcess: ValueCheck = {
  reads: SELECTOR_KEYS,
  label: '',
  check: (args) => {
    if (SELECTOR_KEYS.every((key) => args[key] === undefined))
      throw new Error('use.process samples one process: choose it with pid, port, match or pidfile');
  },
};

/**
 * The value checks the system operations make when they run (a signal name, a cgroup or lab name,
 * an errno, strace's `when`, one way to choose processes), made by `faultline validate` too, so a
 * file that cannot run is refused before anything is injected. The zod schemas check types.
 */
const valueChecks: Record<string, Record<string, ValueCheck[]>> = {
  process: {
    kill: [
      selector,
      {
        reads: ['signal'],
        check: (args) => void (args.signal === undefined || signalNumber(text(args, 'signal'))),
      },
      {
        reads: ['count', 'interval'],
        check: (args) =>
          void killPlan(
            args.count === undefined ? undefined : parseCount(args.count, 'count'),
            args.interval === undefined ? undefined : parseInterval(args.interval, 'interval'),
            { count: 'count', interval: 'interval' },
          ),
      },
    ],
    pause: [selector],
    resume: [selector],
  },
  cgroup: {
    create: [cgroupName, memory],
    limit: [cgroupName, memory, selector],
    stats: [cgroupName],
    remove: [cgroupName],
    oom_kills: [optionalCgroupName],
  },
  stress: { cpu: [stressCgroup], memory: [stressCgroup], disk: [stressCgroup], io: [stressCgroup] },
  net: {
    create: [
      labName,
      {
        reads: ['hosts'],
        check: (args) =>
          void (Array.isArray(args.hosts) && args.hosts.forEach((host) => validHostName(String(host)))),
      },
      {
        reads: ['lab', 'subnet'],
        label: "argument 'subnet'",
        check: (args) =>
          void (args.subnet === undefined || subnetFor(text(args, 'lab'), text(args, 'subnet'))),
      },
    ],
    destroy: [labName],
    partition: [labName, hostName('from'), hostName('to')],
    isolate: [labName, hostName('host')],
    limit: [labName, hostName('host'), { reads: ['rate'], check: (args) => checkRate(text(args, 'rate')) }],
    delay: [
      labName,
      hostName('host'),
      { reads: [...NETEM_ARGUMENTS], label: '', check: (args) => void netemSettings(args) },
    ],
    heal: [labName],
  },
  syscall: {
    attach: [
      selector,
      { reads: ['syscall'], check: (args) => checkSyscallName(text(args, 'syscall')) },
      {
        reads: ['error'],
        check: (args) => void (args.error === undefined || checkErrno(text(args, 'error'))),
      },
      {
        reads: ['error', 'delayMs'],
        label: "arguments 'error' and 'delayMs'",
        check: (args) => {
          if (args.error === undefined && args.delayMs === undefined)
            throw new Error('say what to inject: an error (such as EIO), a delay, or both');
        },
      },
      { reads: ['when'], check: (args) => void (args.when === undefined || checkWhen(text(args, 'when'))) },
    ],
  },
  use: {
    ...Object.fromEntries(
      ['sample', 'cpu', 'memory', 'disk', 'network', 'tcp', 'pressure'].map((func) => [func, useChecks]),
    ),
    process: [...useChecks, oneProcess],
  },
};

/**
 * What the run would refuse in these arguments, one problem per check, each naming the argument.
 * A check whose arguments still hold a `${name}` waits for the run, which makes it then.
 */
export function argumentValueProblems(module: string, func: string, args: Json): string[] {
  const checks = valueChecks[module]?.[func];
  if (!checks || !isObject(args)) return [];
  const problems: string[] = [];
  for (const { reads, label, check } of checks) {
    if (reads.some((key) => holdsPlaceholder(args[key]))) continue;
    try {
      check(args);
    } catch (error) {
      const named = label ?? `argument '${reads[0]}'`;
      problems.push(named ? `${named}: ${(error as Error).message}` : (error as Error).message);
    }
  }
  return problems;
}

function holdsPlaceholder(value: Json | undefined): boolean {
  if (typeof value === 'string') return hasPlaceholder(value);
  if (Array.isArray(value)) return value.some(holdsPlaceholder);
  return false;
}
