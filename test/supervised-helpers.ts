import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { type CliProcess, spawnCli, waitFor } from './helpers.js';

export interface Supervised {
  /** On the service's command line, to match it by. */
  tag: string;
  pidfile: string;
  supervisor: CliProcess;
  /** The pid of the first instance, read from the pidfile. */
  firstPid: number;
  /** SIGTERM to the supervisor, which stops its instance; resolves when it has exited. */
  stop(): Promise<unknown>;
}

/**
 * `faultline supervise` of an idle node process tagged `<prefix>-<random>.mjs`, its pidfile in
 * `directory`; resolves once the first instance has written it. `flags` go before `--pidfile`.
 */
export async function startSupervised(
  directory: string,
  { prefix = 'supervised', flags = [] }: { prefix?: string; flags?: string[] } = {},
): Promise<Supervised> {
  const tag = `${prefix}-${randomBytes(4).toString('hex')}.mjs`;
  const pidfile = join(directory, `${tag}.pid`);
  // Registered before spawnCli's own SIGKILL: a failed test still stops the supervisor with
  // SIGTERM, which stops its instance, so no orphan holds the output pipes open.
  after(async () => {
    if (supervisor.child.exitCode === null && supervisor.child.signalCode === null) {
      process.kill(supervisor.child.pid!, 'SIGTERM');
      await supervisor.done;
    }
  });
  const supervisor = spawnCli([
    'supervise',
    ...flags,
    '--pidfile',
    pidfile,
    '--',
    process.execPath,
    '-e',
    'setInterval(() => {}, 1000)',
    tag,
  ]);
  await waitFor(() => existsSync(pidfile), 'the supervised process to start');
  const stop = async () => {
    if (supervisor.child.exitCode === null) process.kill(supervisor.child.pid!, 'SIGTERM');
    return supervisor.done;
  };
  return { tag, pidfile, supervisor, stop, firstPid: Number(readFileSync(pidfile, 'utf8')) };
}
