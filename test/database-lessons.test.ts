import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const runner = new URL('../../examples/database/run.mjs', import.meta.url).pathname;

interface Lesson {
  lesson: string;
  outcome: string;
  calls: number;
  latencyPerCallMs: number;
  meanBeforeMs: number;
  addedMs: number;
  ratio: number;
}

function requireInstalled(check: string, pkg: string) {
  try {
    execFileSync('sh', ['-c', check], { stdio: 'ignore' });
  } catch {
    assert.fail(`${pkg} is not installed: install the Debian package "${pkg}" (apt-get install ${pkg})`);
  }
}

test('the database lessons: X ms per call costs a request N x X, on real PostgreSQL and Redis', async () => {
  requireInstalled('command -v initdb || ls /usr/lib/postgresql/*/bin/initdb', 'postgresql');
  requireInstalled('command -v redis-server', 'redis-server');
  const out = mkdtempSync(join(tmpdir(), 'faultline-db-test-'));
  const child = spawn(process.execPath, [runner, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const [code] = (await once(child, 'close')) as [number];
  assert.equal(code, 0, output);

  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Lesson[];
  const [blog, search] = summary;
  assert.equal(blog!.lesson, 'ch4');
  assert.equal(blog!.outcome, 'deviated', 'ten queries at 100 ms each cannot fit a 250 ms page');
  assert.equal(blog!.calls, 10, 'the blog makes 3 queries plus one per post, 7 posts');
  assert.equal(search!.lesson, 'ch8');
  assert.equal(search!.outcome, 'met', 'two cache calls at 100 ms each fit a 250 ms search');
  assert.equal(search!.calls, 2);
  // 100 ms per call, as the lessons state; N is asserted above, so N x X is written out here.
  for (const [lesson, expected] of [
    [blog!, 10 * 100],
    [search!, 2 * 100],
  ] as const) {
    assert.equal(lesson.latencyPerCallMs, 100);
    assert.ok(lesson.meanBeforeMs < 50, `${lesson.lesson}: ${lesson.meanBeforeMs} ms without latency`);
    assert.ok(
      lesson.addedMs >= expected && lesson.addedMs < expected * 1.15,
      `${lesson.lesson}: ${lesson.addedMs} ms added against N x X = ${expected} ms`,
    );
  }
  const started = JSON.parse(readFileSync(join(out, 'processes.json'), 'utf8')) as Array<{
    pid: number;
    command: string;
  }>;
  assert.ok(started.some((entry) => entry.command.includes('redis-server')));
  assert.ok(started.some((entry) => /postgres -D/.test(entry.command)));
  for (const entry of started) assert.equal(isRunning(entry.pid), false, `left running: ${entry.command}`);
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
