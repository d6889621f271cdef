import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface OomKill {
  /** Seconds since boot, as the kernel log stamps it. */
  at: number;
  pid: number;
  command: string;
  /** The memory cgroup that hit its limit; absent for a machine-wide OOM. */
  cgroup?: string;
  anonRssKb?: number;
  line: string;
}

export function uptimeSeconds(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

const KILLED =
  /^\[\s*(\d+\.\d+)\]\s+(?:(Memory cgroup out of memory)|Out of memory): Kill(?:ed)? process (\d+) \(([^)]*)\)(.*)$/;
const CONSTRAINT = /oom_memcg=([^,\s]+).*,pid=(\d+)/;

/** OOM kills in kernel-log text (dmesg), oldest first. */
export function parseOomKills(text: string): OomKill[] {
  const memcgOfPid = new Map<number, string>();
  const kills: OomKill[] = [];
  for (const line of text.split('\n')) {
    const constraint = CONSTRAINT.exec(line);
    if (constraint) memcgOfPid.set(Number(constraint[2]), constraint[1]!);
    const killed = KILLED.exec(line);
    if (!killed) continue;
    const pid = Number(killed[3]);
    const anon = /anon-rss:(\d+)kB/.exec(killed[5] ?? '');
    const cgroup = memcgOfPid.get(pid);
    kills.push({
      at: Number(killed[1]),
      pid,
      command: killed[4]!,
      ...(cgroup && killed[2] ? { cgroup } : {}),
      ...(anon ? { anonRssKb: Number(anon[1]) } : {}),
      line: line.replace(/^\[[^\]]*\]\s*/, ''),
    });
  }
  return kills;
}

/** OOM kills the kernel logged after `since` (seconds since boot), read with dmesg. */
export function oomKillsSince(since = 0): OomKill[] {
  let text: string;
  try {
    text = execFileSync('dmesg', [], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    throw new Error(
      `cannot read the kernel log with dmesg (${(error as Error).message.split('\n')[0]}); run as root, or read the cgroup's oom_kill counter instead`,
    );
  }
  return parseOomKills(text).filter((kill) => kill.at >= since);
}
