import { execFileSync, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { closeSync, existsSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { LAB_HOST_NAME, LAB_NAME } from '../model/system-names.js';
import { BadInput } from './bad-input.js';
import { MissingCapability, requireBinary, requireRoot } from './capability.js';
import { createExclusive, ensurePrivateDirectory, readTrusted } from './private-files.js';
import { shortCommand } from './processes.js';
import { checkRate } from './tc-rate.js';
import { netemArguments, type NetemSettings } from './netem-settings.js';

export { checkRate };

/**
 * A network lab: hosts in their own network namespaces, each joined by a veth pair to a bridge in
 * a switch namespace. Faults are applied on the switch ports, below any proxy, so they work for
 * programs that cannot be pointed at one. Nothing here touches the machine's own interfaces.
 */
export interface NetLab {
  name: string;
  /** The /24 the hosts share, e.g. 10.213.7.0. */
  subnet: string;
  hosts: NetHost[];
}

export interface NetHost {
  name: string;
  namespace: string;
  address: string;
  /** The bridge port in the switch namespace that leads to this host. */
  port: string;
}

/** Commands that undo one change, run in order; each may already be undone. */
export type UndoCommands = string[][];

const labSchema = z.strictObject({
  name: z.string().regex(LAB_NAME),
  subnet: z.string().regex(/^\d{1,3}\.\d{1,3}\.\d{1,3}\.0$/),
  hosts: z
    .array(
      z.strictObject({
        name: z.string().regex(LAB_HOST_NAME),
        namespace: z.string().regex(/^fl-[a-z0-9]{1,8}-[a-z][a-z0-9]{0,11}$/),
        address: z.string().regex(/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/),
        port: z.string().regex(/^p\d{1,2}$/),
      }),
    )
    .min(2)
    .max(32),
});

const STATE_DIRECTORY = process.env.FAULTLINE_STATE_DIR ?? '/run/faultline';
const DROP_CLASS = '1:20';
const OPEN_CLASS = '1:10';
/** Each fault's qdisc has a handle of its own, so its undo removes that qdisc and no other. */
const INBOUND_LIMIT_HANDLE = '10:';
const LIMIT_HANDLE = '31:';
const DELAY_HANDLE = '32:';
/** The qdiscs a lab uses, to name the one a kernel lacks. */
const QDISC_KINDS = ['netem', 'tbf', 'pfifo', 'htb'];
/** Partition filters take a priority of their own from this range (the lab's fixed filters use none). */
const PARTITION_PRIORITIES = { first: 1000, last: 49_999 };

function switchNamespace(lab: string) {
  return `fl-${lab}-sw`;
}

function statePath(lab: string) {
  return join(STATE_DIRECTORY, 'netlab', `${lab}.json`);
}

function requireNetworking(action: string) {
  requireRoot(action);
  requireBinary('ip', 'iproute2', 'or put a faultline proxy between the programs instead');
  requireBinary('tc', 'iproute2', 'or use a bandwidth toxic on a faultline proxy instead');
}

function run(command: string[]): string {
  try {
    return execFileSync(command[0]!, command.slice(1), {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    if (/Specified qdisc kind is unknown|Unknown qdisc/.test(stderr)) {
      const kind = QDISC_KINDS.find((name) => command.includes(name)) ?? 'qdisc';
      throw new MissingCapability(
        `tc ${kind} is missing from this kernel (no sch_${kind} module)`,
        kind === 'netem'
          ? 'for latency, jitter or loss put a faultline proxy between the hosts and add a latency, slicer or timeout toxic'
          : 'use a toxic on a faultline proxy instead',
      );
    }
    throw new Error(`${command.join(' ')} failed: ${stderr || (error as Error).message}`);
  }
}

export function validLabName(name: string): string {
  if (!LAB_NAME.test(name)) throw new BadInput(`lab name "${name}" must be 1-8 lower-case letters or digits`);
  return name;
}

export function validHostName(name: string): string {
  if (!LAB_HOST_NAME.test(name))
    throw new BadInput(
      `host name "${name}" must start with a letter and be at most 12 lower-case letters or digits`,
    );
  return name;
}

/** A /24 under 10.213.0.0/16 chosen from the lab's name, unless one is given. */
export function subnetFor(lab: string, given?: string): string {
  if (given !== undefined) {
    const match = /^(\d+)\.(\d+)\.(\d+)\.0(?:\/24)?$/.exec(given);
    if (!match || match.slice(1).some((part) => Number(part) > 255))
      throw new BadInput(`subnet "${given}" must be a /24 such as 10.213.7.0/24`);
    return `${match[1]}.${match[2]}.${match[3]}.0`;
  }
  let hash = 0;
  for (const character of lab) hash = (hash * 31 + character.charCodeAt(0)) % 250;
  return `10.213.${hash + 1}.0`;
}

export function createLab(name: string, hostNames: string[], options: { subnet?: string } = {}): NetLab {
  validLabName(name);
  hostNames.forEach(validHostName);
  if (hostNames.length < 2 || hostNames.length > 32)
    throw new BadInput(`a lab needs 2 to 32 hosts, and --hosts names ${hostNames.length}`);
  const twice = hostNames.find((host, index) => hostNames.indexOf(host) !== index);
  if (twice !== undefined) throw new BadInput(`host "${twice}" is named twice; host names must differ`);
  requireNetworking('creating network namespaces');
  // Any fl-NAME-* namespace, not only the switch: one a host needs makes `ip netns add` fail half-way.
  const present = labNamespaces(name);
  if (present.length > 0)
    throw new BadInput(
      `lab ${name} exists already, or what is left of one: namespace ${present.join(', ')}; "faultline net destroy ${name}" removes it (nothing was created)`,
    );
  const subnet = subnetFor(name, options.subnet);
  const prefix = subnet.split('.').slice(0, 3).join('.');
  const lab: NetLab = {
    name,
    subnet,
    hosts: hostNames.map((host, index) => ({
      name: host,
      namespace: `fl-${name}-${host}`,
      address: `${prefix}.${index + 1}`,
      port: `p${index + 1}`,
    })),
  };
  const sw = switchNamespace(name);
  const made: string[] = [];
  const addNamespace = (namespace: string) => {
    run(['ip', 'netns', 'add', namespace]);
    made.push(namespace);
  };
  try {
    addNamespace(sw);
    run(['ip', '-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    run(['ip', '-n', sw, 'link', 'set', 'br0', 'up']);
    for (const host of lab.hosts) {
      addNamespace(host.namespace);
      run(['ip', '-n', host.namespace, 'link', 'set', 'lo', 'up']);
      run([
        'ip',
        '-n',
        sw,
        'link',
        'add',
        host.port,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        host.namespace,
      ]);
      run(['ip', '-n', sw, 'link', 'set', host.port, 'master', 'br0', 'up']);
      run(['ip', '-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0']);
      // IPv4 only: partitions filter IPv4 sources, and a link-local fe80:: address went through them.
      run(['ip', '-n', host.namespace, 'link', 'set', 'eth0', 'addrgenmode', 'none']);
      run(['ip', '-n', host.namespace, 'link', 'set', 'eth0', 'up']);
      buildPortQueues(sw, host.port);
    }
  } catch (error) {
    // Only what this call made: a namespace made since by someone else is theirs.
    for (const namespace of made) {
      try {
        run(['ip', 'netns', 'del', namespace]);
      } catch {
        // Best effort: the error that stopped the creation is the one to report.
      }
    }
    throw error;
  }
  ensurePrivateDirectory(join(STATE_DIRECTORY, 'netlab'), 'lab state directory');
  rmSync(statePath(name), { force: true });
  const fd = createExclusive(statePath(name), 0o644);
  try {
    writeSync(fd, `${JSON.stringify(lab, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  return lab;
}

/**
 * Each switch port gets an htb root with an open class and a drop class (a zero-length fifo),
 * so a partition is a u32 filter into the drop class: packets vanish without an error, as on a
 * cut cable, and only between the chosen hosts.
 */
function buildPortQueues(sw: string, port: string) {
  const tc = ['ip', 'netns', 'exec', sw, 'tc'];
  run([...tc, 'qdisc', 'add', 'dev', port, 'root', 'handle', '1:', 'htb', 'default', '10']);
  run([...tc, 'class', 'add', 'dev', port, 'parent', '1:', 'classid', OPEN_CLASS, 'htb', 'rate', '10gbit']);
  run([...tc, 'class', 'add', 'dev', port, 'parent', '1:', 'classid', DROP_CLASS, 'htb', 'rate', '10gbit']);
  run([...tc, 'qdisc', 'add', 'dev', port, 'parent', DROP_CLASS, 'handle', '20:', 'pfifo', 'limit', '0']);
}

function existingNamespaces(): string[] {
  return run(['ip', 'netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter(Boolean);
}

export function loadLab(name: string): NetLab {
  validLabName(name);
  const path = statePath(name);
  if (!existsSync(path))
    throw new BadInput(`there is no lab ${name}; create it with "faultline net create ${name} --hosts a,b"`);
  const text = readTrusted(path, 'lab state', { rootToo: true });
  let parsed;
  try {
    parsed = labSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success || parsed.data.name !== name)
    throw new Error(
      `the state of lab ${name} (${path}) does not parse; "faultline net destroy ${name}" removes the lab`,
    );
  const lab = parsed.data;
  for (const host of lab.hosts)
    if (host.namespace !== `fl-${name}-${host.name}`)
      throw new Error(
        `the state of lab ${name} (${path}) names namespace ${host.namespace} for ${host.name}`,
      );
  return lab;
}

/** Whether a lab's state exists (its undo is "already gone" when not). */
export function labExists(name: string): boolean {
  return existsSync(statePath(validLabName(name)));
}

/** Whether nothing of a lab is left: neither its state nor a namespace named after it. */
export function labIsGone(name: string): boolean {
  return !labExists(name) && labNamespaces(name).length === 0;
}

/** A process running inside one of a lab's namespaces. */
export interface LabProcess {
  pid: number;
  namespace: string;
  command: string;
}

function labNamespaces(name: string, lab?: NetLab): string[] {
  const prefix = `fl-${validLabName(name)}-`;
  const known = lab?.hosts.map((host) => host.namespace) ?? [];
  return existingNamespaces().filter(
    (namespace) => namespace.startsWith(prefix) || known.includes(namespace),
  );
}

/** The processes inside the lab's namespaces (`ip netns pids`): `net exec` leaves them to the user. */
export function labProcesses(name: string, lab?: NetLab): LabProcess[] {
  requireNetworking('listing the processes in a lab');
  return labNamespaces(name, lab).flatMap((namespace) =>
    run(['ip', 'netns', 'pids', namespace])
      .split('\n')
      .filter((line) => /^\d+$/.test(line.trim()))
      .map((line) => {
        const pid = Number(line.trim());
        let command = '';
        try {
          command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        } catch {
          // Exited since it was listed.
        }
        return { pid, namespace, command };
      }),
  );
}

/** "4242 (sleep 300) in fl-lab-b, ...", for messages. */
export function describeLabProcesses(processes: LabProcess[]): string {
  return processes
    .map(
      ({ pid, command, namespace }) =>
        `${pid} (${command ? shortCommand(command) : 'exited'}) in ${namespace}`,
    )
    .join(', ');
}

/**
 * Removes every namespace of the lab. Refuses while processes run in them: deleting a namespace's
 * name leaves its processes running in it, out of reach of every faultline command.
 */
export function destroyLab(name: string, lab?: NetLab): void {
  requireNetworking('removing network namespaces');
  const left = labProcesses(name, lab);
  if (left.length > 0)
    throw new BadInput(
      `lab ${name} still has processes running in it: ${describeLabProcesses(left)}; stop them first, or "faultline net destroy ${name} --force" stops them (SIGTERM, then SIGKILL after 2 s)`,
    );
  for (const namespace of labNamespaces(name, lab)) run(['ip', 'netns', 'del', namespace]);
  rmSync(statePath(name), { force: true });
}

function host(lab: NetLab, name: string): NetHost {
  const found = lab.hosts.find((candidate) => candidate.name === name);
  if (!found)
    throw new BadInput(
      `lab ${lab.name} has no host "${name}"; its hosts: ${lab.hosts.map((h) => h.name).join(', ')}`,
    );
  return found;
}

/**
 * The commands that remove a partition made by `partition` (both ways unless oneWay): the filters
 * at its own priority, so an overlapping partition or isolation of the same hosts stays. A ledger
 * written before partitions had their own priority names none; those used 100 + the host's index.
 */
export function partitionUndo(
  lab: NetLab,
  a: string,
  b: string,
  oneWay: boolean,
  priority?: number,
): UndoCommands {
  const from = host(lab, a);
  const to = host(lab, b);
  const own = (source: NetHost) => priority ?? 100 + lab.hosts.indexOf(source);
  return [
    dropFilter(lab, from, to, own(from)).undo,
    ...(oneWay ? [] : [dropFilter(lab, to, from, own(to)).undo]),
  ];
}

/** The commands that remove a limit made by `limitBandwidth`, and no other qdisc. */
export function limitUndo(lab: NetLab, name: string): UndoCommands {
  const target = host(lab, name);
  return [
    [...hostQdisc(target), 'del', 'dev', 'eth0', 'root', 'handle', LIMIT_HANDLE],
    [...switchQdisc(lab), 'del', 'dev', target.port, 'parent', OPEN_CLASS, 'handle', INBOUND_LIMIT_HANDLE],
  ];
}

/** The commands that remove a delay made by `addDelay`, and no other qdisc. */
export function delayUndo(lab: NetLab, name: string): UndoCommands {
  const target = host(lab, name);
  return [[...hostQdisc(target), 'del', 'dev', 'eth0', 'root', 'handle', DELAY_HANDLE]];
}

function hostQdisc(target: NetHost): string[] {
  return ['ip', 'netns', 'exec', target.namespace, 'tc', 'qdisc'];
}

function switchQdisc(lab: NetLab): string[] {
  return ['ip', 'netns', 'exec', switchNamespace(lab.name), 'tc', 'qdisc'];
}

function dropFilter(
  lab: NetLab,
  from: NetHost,
  to: NetHost,
  priority: number,
): { apply: string[]; undo: string[] } {
  const base = ['ip', 'netns', 'exec', switchNamespace(lab.name), 'tc', 'filter'];
  const where = ['dev', to.port, 'parent', '1:', 'protocol', 'ip', 'prio', String(priority)];
  return {
    apply: [
      ...base,
      'add',
      ...where,
      'u32',
      'match',
      'ip',
      'src',
      `${from.address}/32`,
      'flowid',
      DROP_CLASS,
    ],
    undo: [...base, 'del', ...where],
  };
}

/** The filter priorities in use on the lab's switch ports. */
function usedPriorities(lab: NetLab): Set<number> {
  const used = new Set<number>();
  for (const target of lab.hosts) {
    const listed = run([
      ...['ip', 'netns', 'exec', switchNamespace(lab.name), 'tc', '-j'],
      ...['filter', 'show', 'dev', target.port],
    ]);
    for (const filter of JSON.parse(listed || '[]') as Array<{ pref?: number }>)
      if (typeof filter.pref === 'number') used.add(filter.pref);
  }
  return used;
}

/**
 * A filter priority no filter in the lab has: each partition owns one, so its undo deletes its own
 * filters only. Chosen at random so two faultline processes partitioning the same lab at the same
 * moment do not pick the same one.
 */
function freePriority(lab: NetLab): number {
  const used = usedPriorities(lab);
  for (let tries = 0; tries < 1000; tries++) {
    const candidate = randomInt(PARTITION_PRIORITIES.first, PARTITION_PRIORITIES.last + 1);
    if (!used.has(candidate)) return candidate;
  }
  throw new Error(
    `lab ${lab.name} has no free filter priority left; "faultline net heal ${lab.name}" clears it`,
  );
}

/** A partition in place: its filters' priority, which its undo needs, and the undo itself. */
export interface AppliedPartition {
  priority: number;
  undo: UndoCommands;
}

/** Drops every IP packet from `a` to `b` (and back unless oneWay). */
export function partition(
  lab: NetLab,
  a: string,
  b: string,
  options: { oneWay?: boolean } = {},
): AppliedPartition {
  requireNetworking('partitioning hosts');
  const from = host(lab, a);
  const to = host(lab, b);
  if (from === to)
    throw new BadInput(`a host cannot be partitioned from itself (both are "${a}"); name two hosts`);
  const priority = freePriority(lab);
  const filters = [
    dropFilter(lab, from, to, priority),
    ...(options.oneWay ? [] : [dropFilter(lab, to, from, priority)]),
  ];
  const undo: UndoCommands = [];
  try {
    for (const filter of filters) {
      run(filter.apply);
      undo.push(filter.undo);
    }
  } catch (error) {
    undoAfterFailure(undo, error);
    throw error;
  }
  return { priority, undo };
}

/** Cuts one host off from every other host: one partition per other host. */
export function isolate(lab: NetLab, name: string): Array<AppliedPartition & { other: string }> {
  const target = host(lab, name);
  const applied: Array<AppliedPartition & { other: string }> = [];
  try {
    for (const other of lab.hosts.filter((candidate) => candidate !== target))
      applied.push({ other: other.name, ...partition(lab, name, other.name) });
  } catch (error) {
    for (const done of applied.reverse()) undoAfterFailure(done.undo, error);
    throw error;
  }
  return applied;
}

/** The root qdisc of a host's eth0: its kind and handle, and the line tc shows for it. */
function hostRoot(target: NetHost): { kind?: string; handle?: string; shown: string } {
  const listed = run([...hostQdisc(target).slice(0, 5), '-j', 'qdisc', 'show', 'dev', 'eth0', 'root']);
  const [root] = JSON.parse(listed || '[]') as Array<{ kind?: string; handle?: string }>;
  const shown = run([...hostQdisc(target), 'show', 'dev', 'eth0', 'root']).trim();
  return { ...root, shown };
}

/**
 * Refuses a limit or a delay on a host whose queue is taken: by a limit or delay of faultline's (a
 * second would replace the first), or by a qdisc someone added by hand, which tc would refuse to
 * replace and faultline must not remove. The kernel's own default (handle 0:) is free to replace.
 */
function refuseTakenQueue(lab: NetLab, target: NetHost, adding: 'limit' | 'delay') {
  const root = hostRoot(target);
  if (root.handle === undefined || root.handle === '0:') return;
  const holder = root.handle === LIMIT_HANDLE ? 'limit' : root.handle === DELAY_HANDLE ? 'delay' : undefined;
  if (holder !== undefined)
    throw new BadInput(
      `host ${target.name} in lab ${lab.name} has a ${holder} already (${root.shown}); a ${adding} would replace it. ` +
        `Undo that one first ("faultline rollback", or "faultline net heal ${lab.name}" for every fault in the lab)`,
    );
  throw new BadInput(
    `host ${target.name} in lab ${lab.name} has a qdisc faultline did not add (${root.shown}); a ${adding} would replace it, so nothing was changed. ` +
      `Remove it first if it should go (ip netns exec ${target.namespace} tc qdisc del dev eth0 root)`,
  );
}

/** Limits what `name` sends and receives to `rate` (tc syntax: 1mbit, 512kbit, 10mbps) with tbf. */
export function limitBandwidth(lab: NetLab, name: string, rate: string): UndoCommands {
  requireNetworking('limiting bandwidth');
  checkRate(rate);
  const target = host(lab, name);
  refuseTakenQueue(lab, target, 'limit');
  const tbf = ['tbf', 'rate', rate, 'burst', '32kbit', 'latency', '100ms'];
  const [outbound, inbound] = limitUndo(lab, name) as [string[], string[]];
  run([
    ...switchQdisc(lab),
    'add',
    'dev',
    target.port,
    'parent',
    OPEN_CLASS,
    'handle',
    INBOUND_LIMIT_HANDLE,
    ...tbf,
  ]);
  try {
    run([...hostQdisc(target), 'add', 'dev', 'eth0', 'root', 'handle', LIMIT_HANDLE, ...tbf]);
  } catch (error) {
    undoAfterFailure([inbound], error);
    throw error;
  }
  return [outbound, inbound];
}

/**
 * Adds a netem qdisc (delay, jitter, loss, duplication, corruption, reordering, rate) where the
 * kernel has netem; the error names the alternative where not. Returns the undo and the exact
 * words tc was given after `netem`.
 */
export function addDelay(
  lab: NetLab,
  name: string,
  settings: NetemSettings,
): { undo: UndoCommands; netem: string[] } {
  requireNetworking('adding latency');
  const target = host(lab, name);
  refuseTakenQueue(lab, target, 'delay');
  const netem = netemArguments(settings);
  run(netemCommand(lab, name, netem));
  return { undo: delayUndo(lab, name), netem };
}

/** The tc command that adds faultline's netem qdisc, with its own handle, to a host's eth0. */
export function netemCommand(lab: NetLab, name: string, netem: string[]): string[] {
  return [
    ...hostQdisc(host(lab, name)),
    'add',
    'dev',
    'eth0',
    'root',
    'handle',
    DELAY_HANDLE,
    'netem',
    ...netem,
  ];
}

/**
 * Runs undo commands, skipping what is already undone (a filter, qdisc or namespace that is gone);
 * returns how many of them removed something. One that failed for another reason (not permitted,
 * tc missing) is an error, thrown once the others have run.
 */
export function runUndo(commands: UndoCommands): number {
  let removed = 0;
  const failures: string[] = [];
  for (const command of [...commands].reverse()) {
    try {
      run(command);
      removed++;
    } catch (error) {
      if (!alreadyGone(error)) failures.push((error as Error).message);
    }
  }
  if (failures.length > 0) throw new Error(`${failures.join('; ')}: the fault may still be in place`);
  return removed;
}

/**
 * Takes back what a fault had applied before it failed; if that fails too, the fault's error says
 * so, keeping its kind (a missing capability, bad input) for the exit status.
 */
function undoAfterFailure(commands: UndoCommands, error: unknown): void {
  try {
    runUndo(commands);
  } catch (undoError) {
    if (error instanceof Error)
      error.message += `; taking back what was applied failed too: ${(undoError as Error).message}`;
  }
}

/**
 * Whether an undo command failed only because what it removes is not there: the lab was destroyed,
 * or the fault healed another way (tc: "Invalid handle", "Cannot find specified qdisc", "Parent
 * Qdisc doesn't exists", "Specified class not found"; ip: "Cannot open network namespace … No such
 * file or directory"). Anything else (not permitted, tc missing) is a failure to report.
 */
function alreadyGone(error: unknown): boolean {
  if (error instanceof MissingCapability) return true;
  return /Invalid handle|Cannot find|Failed to find|not found|doesn'?t exist|No such (file or directory|device)|handle of zero/i.test(
    (error as Error).message,
  );
}

/**
 * Removes every partition, limit and delay in the lab, and nothing else: a qdisc added by hand on a
 * host's eth0 has a handle of its own and stays.
 */
export function heal(lab: NetLab): void {
  requireNetworking('healing the lab');
  const sw = switchNamespace(lab.name);
  for (const target of lab.hosts) {
    runUndo([
      ['ip', 'netns', 'exec', sw, 'tc', 'filter', 'del', 'dev', target.port, 'parent', '1:'],
      ...limitUndo(lab, target.name),
      ...delayUndo(lab, target.name),
    ]);
  }
}

/**
 * Runs a command inside a host's namespace; resolves with its exit status (128 + the signal that
 * ended it). SIGINT and SIGTERM to this process are passed on to the command, so it does not
 * outlive the CLI that started it.
 */
export async function execIn(lab: NetLab, name: string, command: string[]): Promise<number> {
  const target = host(lab, name);
  const child = spawn('ip', ['netns', 'exec', target.namespace, ...command], { stdio: 'inherit' });
  const pass = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', pass).on('SIGTERM', pass);
  try {
    return await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) =>
        resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)),
      );
    });
  } finally {
    process.off('SIGINT', pass).off('SIGTERM', pass);
  }
}
