import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDirectory } from './helpers.js';

const runner = new URL('../../examples/database/run.mjs', import.meta.url).pathname;

interface Lesson {
  lesson: string;
  outcome: string;
  calls: number;
  latencyPerCallMs: number;
  p50BeforeMs: number;
  p50DuringMs: number;
  oneCallDuringMs: number;
  perCallMs: number;
  addedMs: number;
  ratio: number;
  failed: string[];
}

function requireInstalled(check: string, pkg: string) {
  try {
    execFileSync('sh', ['-c', check], { stdio: 'ignore' });
  } catch {
    assert.fail(`${pkg} is not installed: install the Debian package "${pkg}" (apt-get install ${pkg})`);
  }
}

test('the database lessons: X ms per call costs a request of N sequential calls N x X, on real PostgreSQL and Redis', async () => {
  requireInstalled('command -v initdb || ls /usr/lib/postgresql/*/bin/initdb', 'postgresql');
  requireInstalled('command -v redis-server', 'redis-server');
  const out = tempDirectory('db-test');
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
  for (const lesson of [blog!, search!]) {
    const { latencyPerCallMs: x, calls: n } = lesson;
    assert.equal(x, 100, 'the lessons add 100 ms per call');
    assert.deepEqual(lesson.failed, [], `${lesson.lesson}: the runner's own checks`);
    assert.ok(lesson.p50BeforeMs < 50, `${lesson.lesson}: p50 ${lesson.p50BeforeMs} ms without latency`);
    // A latency toxic is never early: one call takes X, a request of N sequential calls N x X.
    assert.ok(lesson.oneCallDuringMs >= x, `${lesson.lesson}: one call took ${lesson.oneCallDuringMs} ms`);
    assert.ok(lesson.p50DuringMs >= n * x, `${lesson.lesson}: a request took ${lesson.p50DuringMs} ms`);
    // ... and no more than N times what one call paid in the same run (+15%).
    assert.ok(
      lesson.ratio <= 1.15,
      `${lesson.lesson}: ${lesson.addedMs} ms added, N x ${lesson.perCallMs} ms`,
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
