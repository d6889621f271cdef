import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDirectory } from './helpers.js';

const runner = new URL('../../examples/book/run.mjs', import.meta.url).pathname;

interface Journal {
  status: string;
  deviated: boolean;
  run: Array<{ activity: { name: string }; output: unknown }>;
  steady_states: {
    before: { probes: Array<{ activity: { name: string }; output: unknown }> } | null;
    after: { probes: Array<{ activity: { name: string }; output: unknown }> } | null;
  };
}

interface Iteration {
  iterationMs: number;
  aloneMs: number;
  slowdown: number;
}

async function runChapter(chapter: string): Promise<{ code: number; out: string; stdout: string }> {
  const out = tempDirectory(`book-${chapter}`);
  const child = spawn(process.execPath, [runner, chapter, '--out', out], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  const [code] = (await once(child, 'close')) as [number];
  return { code, out, stdout };
}

const journal = (out: string, name: string) =>
  JSON.parse(readFileSync(join(out, `${name}.journal.json`), 'utf8')) as Journal;
const output = (entry: Journal, name: string) =>
  entry.run.find((item) => item.activity.name === name)?.output;

describe("the book's experiments, run end to end", () => {
  test('chapter 2: both instances killed under load behind the balancer, and no user sees an error', async () => {
    const { code, out, stdout } = await runChapter('ch2');
    assert.equal(code, 0, stdout);
    const run = journal(out, 'ch2-kill-instances');
    assert.equal(run.deviated, false);
    const load = output(run, 'load-during-kills') as { requests: number; failures: { total: number } };
    assert.ok(load.requests > 100);
    assert.equal(load.failures.total, 0);
    assert.equal((output(run, 'kill-instance-a') as unknown[]).length, 1);
    assert.equal((output(run, 'kill-instance-b') as unknown[]).length, 1);
  });

  test('chapter 3: a busy neighbour slows the job; a CPU quota on it restores the speed', async () => {
    const { code, out, stdout } = await runChapter('ch3');
    assert.equal(code, 0, stdout);
    const busy = journal(out, 'ch3-busy-neighbour');
    assert.equal(busy.deviated, true);
    const quota = journal(out, 'ch3-cpu-quota');
    assert.equal(quota.deviated, false);
    // Each run compares the job with itself alone, measured in the same run before the method.
    for (const run of [busy, quota]) {
      const before = run.steady_states.before!.probes[0]!.output as Iteration;
      const during = run.steady_states.after!.probes[0]!.output as Iteration;
      assert.equal(before.slowdown, 1);
      assert.equal(during.aloneMs, before.iterationMs);
    }
    assert.ok(
      (busy.steady_states.after!.probes[0]!.output as Iteration).slowdown > 1.5,
      'six busy neighbours slow the job by more than half',
    );
    const stats = output(quota, 'neighbour-throttling') as { cpu: { throttledPeriods: number } };
    assert.ok(stats.cpu.throttledPeriods > 0);
  });

  test('chapter 5: a memory hog in a 64 MB cgroup is OOM-killed, and only it', async () => {
    const { code, out, stdout } = await runChapter('ch5');
    assert.equal(code, 0, stdout);
    const run = journal(out, 'ch5-memory-limit');
    assert.match((output(run, 'run-memory-hog') as { ready: string }).ready, /killed by SIGKILL/);
    const kills = output(run, 'hog-was-oom-killed') as Array<{ cgroup: string }>;
    assert.deepEqual(
      kills.map((kill) => kill.cgroup),
      ['/faultline/hog'],
    );
  });

  test('chapter 6: EIO on five writes gives five 503s, and the server keeps serving', async () => {
    const { code, out, stdout } = await runChapter('ch6');
    assert.equal(code, 0, stdout);
    const run = journal(out, 'ch6-write-eio');
    const load = output(run, 'writes-under-fault') as {
      failures: { byKind: Record<string, number> };
      succeeded: number;
    };
    assert.deepEqual(load.failures.byKind, { 'status 5xx': 5 });
    assert.equal(load.succeeded, 15);
  });
});
