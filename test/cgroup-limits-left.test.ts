import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cgroupVersion } from '../src/system/cgroups.js';
import { identify } from '../src/system/processes.js';
import { runCli, tempDirectory, waitFor } from './helpers.js';

/**
 * faultline/NAME sits at the top of the cgroup hierarchy: a process moved in for a fault leaves
 * the limits of its service's or container's cgroup until it goes back, which can loosen what
 * the operator meant to tighten. The command says so.
 */
const ROOT = '/sys/fs/cgroup';
const asRoot = process.getuid?.() === 0;

test(
  'cgroup limit names the limit a process leaves behind, and the process goes back under it',
  { skip: !asRoot && 'needs root to change cgroups' },
  async () => {
    const v1 = cgroupVersion() === 1;
    const origin = `faultline-test-origin-${process.pid}`;
    const directory = v1 ? join(ROOT, 'memory', origin) : join(ROOT, origin);
    mkdirSync(directory);
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      writeFileSync(join(directory, v1 ? 'memory.limit_in_bytes' : 'memory.max'), String(256 * 1024 ** 2));
      await waitFor(() => identify(sleeper.pid!) !== undefined, 'the sleeper to start');
      writeFileSync(join(directory, 'cgroup.procs'), String(sleeper.pid));
      const env = { FAULTLINE_LEDGER_DIR: join(tempDirectory('limits-left'), 'ledger') };
      const name = `test-left-${process.pid}`;
      const limited = await runCli(
        ['cgroup', 'limit', name, '--pid', String(sleeper.pid), '--memory', '512M', '--for', '1'],
        env,
      );
      assert.equal(limited.code, 0, limited.stderr);
      const file = v1 ? 'memory.limit_in_bytes' : 'memory.max';
      assert.match(
        limited.stderr,
        new RegExp(
          `${sleeper.pid} \\(sleep 600\\) leaves the memory limit of /${origin} \\(${file} 256\\.0 MiB\\) while it is in faultline/${name}: only the limits given here apply to it until it goes back`,
        ),
      );
      const memoryLine = readFileSync(`/proc/${sleeper.pid}/cgroup`, 'utf8')
        .split('\n')
        .find((line) => (v1 ? /:memory:/.test(line) : line.startsWith('0::')));
      assert.equal(memoryLine?.endsWith(`:/${origin}`), true, `back under its limit: ${memoryLine}`);
    } finally {
      sleeper.kill('SIGKILL');
      await waitFor(() => sleeper.exitCode !== null || sleeper.signalCode !== null, 'the sleeper to end');
      await waitFor(
        () => readFileSync(join(directory, 'cgroup.procs'), 'utf8') === '',
        'the origin to empty',
      );
      rmdirSync(directory);
    }
  },
);
