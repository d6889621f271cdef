import type { Command } from 'commander';
import { integer } from './integer-option.js';

export interface TargetFlags {
  pid?: number;
  port?: number;
  match?: string;
  pidfile?: string;
  expect?: number;
  includeSupervisors?: boolean;
  force?: boolean;
}

/** The process-choosing flags every process fault takes: exactly one of them, and a count guard. */
export function withTargetOptions(command: Command): Command {
  return command
    .option('--pid <pid>', 'this process', integer('--pid', 1, 2 ** 22))
    .option('--pidfile <file>', 'the process whose pid this file holds')
    .option('--port <port>', 'the processes listening on this TCP port', integer('--port', 1, 65535))
    .option('--match <regex>', 'processes whose command line matches')
    .option(
      '--expect <n>',
      'refuse unless exactly this many processes match (no match is refused unless --expect 0)',
      integer('--expect', 0, 100_000),
    )
    .option(
      '--include-supervisors',
      'let --match and --port also choose "faultline supervise" processes, left out by default',
    )
    .option('--force', 'also act on pid 1 or on the process that started faultline, refused otherwise');
}

/** The CLI spelling of a target field, for messages: includeSupervisors is --include-supervisors. */
export function targetFlag(field: string): string {
  return `--${field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

export function targetArgs(flags: TargetFlags): TargetFlags {
  const { pid, port, match, pidfile, expect, includeSupervisors, force } = flags;
  return Object.fromEntries(
    Object.entries({ pid, port, match, pidfile, expect, includeSupervisors, force }).filter(
      ([, value]) => value !== undefined,
    ),
  ) as TargetFlags;
}

export function seconds(name: string) {
  return integer(name, 1, 3600);
}
