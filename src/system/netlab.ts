import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LAB_HOST_NAME, LAB_NAME } from '../model/system-names.js';
import { MissingCapability, requireBinary, requireRoot } from './capability.js';
import { createExclusive, ensurePrivateDirectory, readTrusted } from './private-files.js';

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
      const kind =
        command[command.indexOf('root') + 1] ?? command.find((part) => part === 'netem') ?? 'qdisc';
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
  if (!LAB_NAME.test(name)) throw new Error(`lab name "${name}" must be 1-8 lower-case letters or digits`);
  return name;
}

function validHostName(name: string): string {
  if (!LAB_HOST_NAME.test(name))
    throw new Error(
      `host name "${name}" must start with a letter and be at most 12 lower-case letters or digits`,
    );
  return name;
}

/** A /24 under 10.213.0.0/16 chosen from the lab's name, unless one is given. */
function subnetFor(lab: string, given?: string): string {
  if (given !== undefined) {
    const match = /^(\d+)\.(\d+)\.(\d+)\.0(?:\/24)?$/.exec(given);
    if (!match || match.slice(1).some((part) => Number(part) > 255))
      throw new Error(`subnet "${given}" must be a /24 such as 10.213.7.0/24`);
    return `${match[1]}.${match[2]}.${match[3]}.0`;
  }
  let hash = 0;
  for (const character of lab) hash = (hash * 31 + character.charCodeAt(0)) % 250;
  return `10.213.${hash + 1}.0`;
}

export function createLab(name: string, hostNames: string[], options: { subnet?: string } = {}): NetLab {
  validLabName(name);
  hostNames.forEach(validHostName);
  if (hostNames.length < 2 || hostNames.length > 32) throw new Error('a lab needs 2 to 32 hosts');
  if (new Set(hostNames).size !== hostNames.length) throw new Error('host names must differ');
  requireNetworking('creating network namespaces');
  if (existingNamespaces().includes(switchNamespace(name)))
    throw new Error(`lab ${name} exists already; "faultline net destroy ${name}" removes it`);
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
  try {
    run(['ip', 'netns', 'add', sw]);
    run(['ip', '-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    run(['ip', '-n', sw, 'link', 'set', 'br0', 'up']);
    for (const host of lab.hosts) {
      run(['ip', 'netns', 'add', host.namespace]);
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
      run(['ip', '-n', host.namespace, 'link', 'set', 'eth0', 'up']);
      buildPortQueues(sw, host.port);
    }
  } catch (error) {
    destroyLab(name, lab);
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
    throw new Error(`there is no lab ${name}; create it with "faultline net create ${name} --hosts a,b"`);
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

export function destroyLab(name: string, lab?: NetLab): void {
  requireNetworking('removing network namespaces');
  const prefix = `fl-${validLabName(name)}-`;
  const known = lab?.hosts.map((host) => host.namespace) ?? [];
  for (const namespace of existingNamespaces()) {
    if (namespace.startsWith(prefix) || known.includes(namespace)) run(['ip', 'netns', 'del', namespace]);
  }
  rmSync(statePath(name), { force: true });
}

function host(lab: NetLab, name: string): NetHost {
  const found = lab.hosts.find((candidate) => candidate.name === name);
  if (!found)
    throw new Error(
      `lab ${lab.name} has no host "${name}"; its hosts: ${lab.hosts.map((h) => h.name).join(', ')}`,
    );
  return found;
}

/** The commands that remove a partition made by `partition` (both ways unless oneWay). */
export function partitionUndo(lab: NetLab, a: string, b: string, oneWay: boolean): UndoCommands {
  const from = host(lab, a);
  const to = host(lab, b);
  return [dropFilter(lab, from, to).undo, ...(oneWay ? [] : [dropFilter(lab, to, from).undo])];
}

/** The commands that remove a limit made by `limitBandwidth`. */
export function limitUndo(lab: NetLab, name: string): UndoCommands {
  const target = host(lab, name);
  return [
    ['ip', 'netns', 'exec', target.namespace, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root'],
    [
      ...['ip', 'netns', 'exec', switchNamespace(lab.name), 'tc', 'qdisc', 'del', 'dev', target.port],
      ...['parent', OPEN_CLASS, 'handle', '10:'],
    ],
  ];
}

/** The commands that remove a delay made by `addDelay`. */
export function delayUndo(lab: NetLab, name: string): UndoCommands {
  const target = host(lab, name);
  return [['ip', 'netns', 'exec', target.namespace, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root']];
}

function dropFilter(lab: NetLab, from: NetHost, to: NetHost): { apply: string[]; undo: string[] } {
  const priority = String(100 + lab.hosts.indexOf(from));
  const base = ['ip', 'netns', 'exec', switchNamespace(lab.name), 'tc', 'filter'];
  const where = ['dev', to.port, 'parent', '1:', 'protocol', 'ip', 'prio', priority];
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

/** Drops every IP packet from `a` to `b` (and back unless oneWay). Returns the undo. */
export function partition(
  lab: NetLab,
  a: string,
  b: string,
  options: { oneWay?: boolean } = {},
): UndoCommands {
  requireNetworking('partitioning hosts');
  const from = host(lab, a);
  const to = host(lab, b);
  if (from === to) throw new Error('a host cannot be partitioned from itself');
  const filters = [dropFilter(lab, from, to), ...(options.oneWay ? [] : [dropFilter(lab, to, from)])];
  const undo: UndoCommands = [];
  try {
    for (const filter of filters) {
      run(filter.apply);
      undo.push(filter.undo);
    }
  } catch (error) {
    runUndo(undo);
    throw error;
  }
  return undo;
}

/** Cuts one host off from every other host. */
export function isolate(lab: NetLab, name: string): UndoCommands {
  const target = host(lab, name);
  return lab.hosts.filter((other) => other !== target).flatMap((other) => partition(lab, name, other.name));
}

/** Limits what `name` sends and receives to `rate` (tc syntax: 1mbit, 512kbit, 10mbps) with tbf. */
export function limitBandwidth(lab: NetLab, name: string, rate: string): UndoCommands {
  requireNetworking('limiting bandwidth');
  if (!/^\d+(\.\d+)?(bit|kbit|mbit|gbit|bps|kbps|mbps|gbps)$/.test(rate))
    throw new Error(`rate "${rate}" must be in tc's units, such as 512kbit, 10mbit or 1mbps`);
  const target = host(lab, name);
  const tbf = ['tbf', 'rate', rate, 'burst', '32kbit', 'latency', '100ms'];
  const inbound = ['ip', 'netns', 'exec', switchNamespace(lab.name), 'tc', 'qdisc'];
  const outbound = ['ip', 'netns', 'exec', target.namespace, 'tc', 'qdisc'];
  run([...inbound, 'replace', 'dev', target.port, 'parent', OPEN_CLASS, 'handle', '10:', ...tbf]);
  const undo: UndoCommands = [[...inbound, 'del', 'dev', target.port, 'parent', OPEN_CLASS, 'handle', '10:']];
  try {
    run([...outbound, 'replace', 'dev', 'eth0', 'root', ...tbf]);
  } catch (error) {
    runUndo(undo);
    throw error;
  }
  return [[...outbound, 'del', 'dev', 'eth0', 'root'], ...undo];
}

/** Adds latency with netem where the kernel has it; the error names the alternative where not. */
export function addDelay(lab: NetLab, name: string, milliseconds: number): UndoCommands {
  requireNetworking('adding latency');
  if (!Number.isInteger(milliseconds) || milliseconds < 1 || milliseconds > 60_000)
    throw new Error(`delay must be a whole number of milliseconds from 1 to 60000, not ${milliseconds}`);
  const target = host(lab, name);
  const qdisc = ['ip', 'netns', 'exec', target.namespace, 'tc', 'qdisc'];
  run([...qdisc, 'replace', 'dev', 'eth0', 'root', 'netem', 'delay', `${milliseconds}ms`]);
  return [[...qdisc, 'del', 'dev', 'eth0', 'root']];
}

/** Runs undo commands, ignoring what is already undone (a filter, qdisc or namespace that is gone). */
export function runUndo(commands: UndoCommands): void {
  for (const command of [...commands].reverse()) {
    try {
      run(command);
    } catch {
      // Already gone: the lab was destroyed or the fault healed another way.
    }
  }
}

/** Removes every partition, limit and delay in the lab. */
export function heal(lab: NetLab): void {
  requireNetworking('healing the lab');
  const sw = switchNamespace(lab.name);
  for (const target of lab.hosts) {
    runUndo([
      ['ip', 'netns', 'exec', sw, 'tc', 'filter', 'del', 'dev', target.port, 'parent', '1:'],
      [
        'ip',
        'netns',
        'exec',
        sw,
        'tc',
        'qdisc',
        'del',
        'dev',
        target.port,
        'parent',
        OPEN_CLASS,
        'handle',
        '10:',
      ],
      ['ip', 'netns', 'exec', target.namespace, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root'],
    ]);
  }
}

/** Runs a command inside a host's namespace; resolves with its exit code. */
export function execIn(lab: NetLab, name: string, command: string[]): Promise<number> {
  const target = host(lab, name);
  const child = spawn('ip', ['netns', 'exec', target.namespace, ...command], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? 15 : 0)));
  });
}
