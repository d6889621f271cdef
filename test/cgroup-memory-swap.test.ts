import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cgroupVersion } from '../src/system/cgroups.js';
import { runCli, tempDirectory } from './helpers.js';

/**
 * `--memory` is a limit on memory, swap included: cgroup v2 set memory.swap.max to 0, but v1 wrote
 * memory.limit_in_bytes alone and left memory.memsw.limit_in_bytes unlimited, so on a machine
 * with swap the group swapped past its limit instead of being OOM-killed at it (the book's
 * chapter 5 lesson: "stress successful run completed" at the limit with swap in use).
 */
const asRoot = process.getuid?.() === 0;

test(
  'cgroup create --memory bounds memory and swap together, on v1 as on v2',
  { skip: !asRoot && 'needs root to change cgroups' },
  async () => {
    const env = { FAULTLINE_LEDGER_DIR: join(tempDirectory('memory-swap'), 'ledger') };
    const name = `test-swap-${process.pid}`;
    const created = await runCli(['cgroup', 'create', name, '--memory', '64M'], env);
    assert.equal(created.code, 0, created.stderr);
    try {
      const v1 = cgroupVersion() === 1;
      const directory = v1
        ? join('/sys/fs/cgroup/memory/faultline', name)
        : join('/sys/fs/cgroup/faultline', name);
      const swapFile = v1 ? 'memory.memsw.limit_in_bytes' : 'memory.swap.max';
      if (!existsSync(join(directory, swapFile))) return; // The kernel keeps no swap account here.
      const read = (file: string) => readFileSync(join(directory, file), 'utf8').trim();
      assert.equal(read(v1 ? 'memory.limit_in_bytes' : 'memory.max'), String(64 * 1024 ** 2));
      assert.equal(read(swapFile), v1 ? String(64 * 1024 ** 2) : '0');
    } finally {
      const removed = await runCli(['cgroup', 'remove', name], env);
      assert.equal(removed.code, 0, removed.stderr);
    }
  },
);
