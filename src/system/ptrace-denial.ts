import { readFileSync, statSync } from 'node:fs';
import { shortCommand } from './processes.js';

/** CAP_SYS_PTRACE's bit in the capability masks of /proc/PID/status. */
const CAP_SYS_PTRACE = 19n;

/** What /proc says, read through these so a test can give another machine's answers. */
export interface ProcView {
  /** A file's text, or undefined when it cannot be read. */
  read(path: string): string | undefined;
  /** The uid that owns a path (a non-dumpable process's /proc/PID is root's), or undefined. */
  owner(path: string): number | undefined;
}

const realProc: ProcView = {
  read(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  owner(path) {
    try {
      return statSync(path).uid;
    } catch {
      return undefined;
    }
  },
};

interface Status {
  /** Real, effective, saved and filesystem uid. */
  uids: number[];
  permitted: bigint;
  effective: bigint;
  tracer: number;
  seccomp: number;
}

function statusOf(text: string | undefined): Status | undefined {
  if (text === undefined) return undefined;
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  const mask = (name: string) => BigInt(`0x${field(name) || '0'}`);
  return {
    uids: field('Uid').split(/\s+/).filter(Boolean).map(Number),
    permitted: mask('CapPrm'),
    effective: mask('CapEff'),
    tracer: Number(field('TracerPid') || 0),
    seccomp: Number(field('Seccomp') || 0),
  };
}

function userName(uid: number, proc: ProcView): string {
  const line = (proc.read('/etc/passwd') ?? '')
    .split('\n')
    .find((entry) => entry.split(':')[2] === String(uid));
  return line ? `uid ${uid} (${line.split(':')[0]})` : `uid ${uid}`;
}

/** What to do for want of CAP_SYS_PTRACE: root (as in a container) lacks it only when it was taken away. */
function giveCapability(self: Status | undefined): string {
  return self?.uids[0] === 0
    ? 'faultline runs as root but without CAP_SYS_PTRACE, as in a container that drops it: add it (docker run --cap-add=SYS_PTRACE; in Kubernetes, securityContext.capabilities.add: ["SYS_PTRACE"])'
    : 'run faultline as root (sudo), or give it CAP_SYS_PTRACE (in a container: docker run --cap-add=SYS_PTRACE)';
}

function tracedAlready(pid: number, tracer: number, proc: ProcView): string {
  const command = proc.read(`/proc/${tracer}/cmdline`)?.split('\0').filter(Boolean).join(' ');
  return (
    `process ${pid} is traced already, by process ${tracer} (${command ? shortCommand(command) : 'its command line unreadable'}), and a process takes one tracer; ` +
    'stop that one first (if it is faultline\'s, "faultline rollback" or "faultline halt" does)'
  );
}

/** Why `pid` cannot take another tracer (TracerPid in its /proc/PID/status), if it is traced already. */
export function whyTracedAlready(pid: number, proc: ProcView = realProc): string | undefined {
  const tracer = statusOf(proc.read(`/proc/${pid}/status`))?.tracer ?? 0;
  return tracer === 0 ? undefined : tracedAlready(pid, tracer, proc);
}

/**
 * Why the kernel refused strace's attach to `pid` (EPERM), each cause /proc shows, with what to do
 * about it: the process traced already (TracerPid), Yama's kernel.yama.ptrace_scope, another
 * user's process, a process with capabilities faultline lacks or started from a setuid or setcap
 * program, faultline without CAP_SYS_PTRACE as root (a container), a seccomp filter. Empty when
 * /proc shows none of them.
 */
export function ptraceDenialCauses(pid: number, proc: ProcView = realProc): string[] {
  const self = statusOf(proc.read('/proc/self/status'));
  const target = statusOf(proc.read(`/proc/${pid}/status`));
  const canTraceAnyone = self !== undefined && (self.effective >> CAP_SYS_PTRACE) % 2n === 1n;
  const causes: string[] = [];

  if (target !== undefined && target.tracer !== 0) causes.push(tracedAlready(pid, target.tracer, proc));

  const scope = proc.read('/proc/sys/kernel/yama/ptrace_scope')?.trim();
  if (scope === '3')
    causes.push(
      'kernel.yama.ptrace_scope is 3 (/proc/sys/kernel/yama/ptrace_scope): no process may be traced, by anyone, until the machine reboots with a lower setting',
    );
  else if (scope === '2' && !canTraceAnyone)
    causes.push(
      `kernel.yama.ptrace_scope is 2 (/proc/sys/kernel/yama/ptrace_scope): only a process with CAP_SYS_PTRACE may trace, and faultline has none; ${giveCapability(self)}`,
    );
  else if (scope === '1' && !canTraceAnyone)
    causes.push(
      `kernel.yama.ptrace_scope is 1 (/proc/sys/kernel/yama/ptrace_scope): a process may be traced only by its ancestors, and process ${pid} was not started by faultline; ${giveCapability(self)}, or allow it for all with "sysctl kernel.yama.ptrace_scope=0"`,
    );

  if (self !== undefined && target !== undefined && !canTraceAnyone) {
    const ours = self.uids[0];
    const theirs = target.uids.find((uid) => uid !== ours);
    if (theirs !== undefined)
      causes.push(
        `process ${pid} runs as ${userName(theirs, proc)} and faultline as ${userName(ours ?? -1, proc)}, without CAP_SYS_PTRACE: only a process's own user may trace it; run faultline as that user, or as root`,
      );
    else if ((target.permitted & ~self.permitted) !== 0n)
      causes.push(
        `process ${pid} holds capabilities faultline lacks (CapPrm ${target.permitted.toString(16)} in its /proc/${pid}/status, faultline's ${self.permitted.toString(16)}), so tracing it needs CAP_SYS_PTRACE, which faultline does not have (capsh --decode=MASK names them); ${giveCapability(self)}`,
      );
    else if (proc.owner(`/proc/${pid}`) === 0 && ours !== 0)
      causes.push(
        `process ${pid} is not dumpable (its /proc/${pid} belongs to root: it was started from a setuid or setcap program, or made itself so), so tracing it needs CAP_SYS_PTRACE; run faultline as root`,
      );
  }

  if (causes.length === 0 && self !== undefined && !canTraceAnyone && self.uids[0] === 0)
    causes.push(giveCapability(self));
  if (causes.length === 0 && self !== undefined && self.seccomp === 2)
    causes.push(
      "faultline runs under a seccomp filter (Seccomp: 2 in /proc/self/status), which may refuse ptrace: a container's default profile does so without CAP_SYS_PTRACE (docker run --cap-add=SYS_PTRACE, or --security-opt seccomp=unconfined)",
    );
  return causes;
}

/**
 * The error for an attach strace could not make, from what strace said (`refusal`): the causes
 * /proc shows for a refusal by the kernel, or what strace said when it is another failure.
 */
export function attachFailure(pid: number, refusal: string, proc: ProcView = realProc): string {
  const head = `strace could not attach to process ${pid}, so no fault was injected`;
  if (/No such process|ESRCH/.test(refusal))
    return `${head}: the process exited, or is not visible from here (strace: ${refusal})`;
  if (!/Operation not permitted|EPERM/.test(refusal)) return `${head}: ${refusal || 'strace exited at once'}`;
  const causes = ptraceDenialCauses(pid, proc);
  if (causes.length === 0)
    return `${head}: the kernel refused it (strace: ${refusal}), for no cause faultline can see in /proc (TracerPid, kernel.yama.ptrace_scope, users, capabilities); an LSM such as AppArmor or SELinux may forbid ptrace here`;
  return `${head}: the kernel refused it (strace: ${refusal}): ${causes.join('; and ')}`;
}

/**
 * Why strace could not trace a command it started itself (PTRACE_TRACEME or its attach refused):
 * faultline traced already (a tracer following children, such as `strace -f`, has the command
 * first), kernel.yama.ptrace_scope 3, a seccomp filter. `refusal` is what strace said.
 */
export function traceMeFailure(refusal: string, proc: ProcView = realProc): string {
  const self = statusOf(proc.read('/proc/self/status'));
  const causes: string[] = [];
  if (self !== undefined && self.tracer !== 0) {
    const command = proc.read(`/proc/${self.tracer}/cmdline`)?.split('\0').filter(Boolean).join(' ');
    causes.push(
      `faultline itself is traced, by process ${self.tracer} (${command ? shortCommand(command) : 'its command line unreadable'}), which takes the processes faultline starts, and a process takes one tracer; run faultline outside that tracer`,
    );
  }
  if (proc.read('/proc/sys/kernel/yama/ptrace_scope')?.trim() === '3')
    causes.push(
      'kernel.yama.ptrace_scope is 3 (/proc/sys/kernel/yama/ptrace_scope): no process may be traced, by anyone, until the machine reboots with a lower setting',
    );
  if (causes.length === 0 && self?.seccomp === 2)
    causes.push(
      "faultline runs under a seccomp filter (Seccomp: 2 in /proc/self/status), which may refuse ptrace: a container's default profile does so without CAP_SYS_PTRACE (docker run --cap-add=SYS_PTRACE)",
    );
  const why =
    causes.length > 0
      ? causes.join('; and ')
      : 'for no cause faultline can see in /proc (TracerPid, kernel.yama.ptrace_scope, seccomp); an LSM such as AppArmor or SELinux may forbid ptrace here';
  return `strace cannot trace the commands it starts here, so the command was not run and no fault was injected: the kernel refused it (strace: ${refusal}): ${why}`;
}
