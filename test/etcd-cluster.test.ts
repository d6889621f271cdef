import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDirectory } from './helpers.js';

const runner = new URL('../../examples/etcd-cluster/run.mjs', import.meta.url).pathname;

interface Probe {
  activity: { name: string };
  output: unknown;
  tolerance_met?: boolean;
}
interface Journal {
  run: Probe[];
  steady_states: { before: { probes: Probe[] } | null; after: { probes: Probe[] } | null };
}
interface Matrix {
  data: { resultType: string; result: Array<{ metric: { instance?: string }; values: [number, string][] }> };
}

test('the network-chaos guide on a live 3-member etcd cluster: five scenarios, no acknowledged write lost', async () => {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
  } catch {
    assert.fail(
      'etcd is not installed: install the Debian package "etcd-server" (apt-get install etcd-server)',
    );
  }
  const out = tempDirectory('etcd-test');
  const child = spawn(process.execPath, [runner, '--out', out], { stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  const [code] = (await once(child, 'close')) as [number];
  assert.equal(code, 0, stdout);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Array<{
    scenario: string;
    met: boolean;
    lostSinceStart: number;
    acknowledgedSinceStart: number;
    failed: number;
    recoveryMs: number | string | null;
    leaderChanges: number;
  }>;
  assert.deepEqual(
    summary.map((scenario) => [scenario.scenario, scenario.met, scenario.lostSinceStart]),
    [
      ['1-latency.json', true, 0],
      ['2-leader-partition.json', true, 0],
      ['3-lossy-links.json', true, 0],
      ['4-quorum-loss.json', true, 0],
      ['5-client-links.json', true, 0],
    ],
  );
  assert.ok(summary.at(-1)!.acknowledgedSinceStart > 20, 'the writer kept writing through the scenarios');
  // Each scenario's write figures are its own: latency alone fails no write, so it has no
  // recovery to show, while losing quorum fails writes that recover within that scenario.
  const [latencyWrites, , , quorumWrites] = summary;
  assert.deepEqual([latencyWrites!.failed, latencyWrites!.recoveryMs], [0, null]);
  assert.ok(quorumWrites!.failed > 0, 'writes fail without quorum');
  assert.equal(typeof quorumWrites!.recoveryMs, 'number', `recovery: ${quorumWrites!.recoveryMs}`);

  const output = (file: string, name: string) =>
    (JSON.parse(readFileSync(join(out, file), 'utf8')) as Journal).run.find(
      (entry) => entry.activity.name === name,
    )?.output;
  const partition = '2-leader-partition.journal.json';
  assert.equal((output(partition, 'm1-leads') as { leader: string }).leader, 'http://127.0.1.1:2379');
  assert.notEqual(
    (output(partition, 'majority-elects-new-leader') as { leader: string }).leader,
    'http://127.0.1.1:2379',
  );
  assert.equal((output(partition, 'minority-write-fails') as { ok: boolean }).ok, false);
  assert.equal((output(partition, 'majority-write-succeeds') as { ok: boolean }).ok, true);
  const latency = '1-latency.journal.json';
  const before = output(latency, 'write-latency-before') as { p50Ms: number };
  const during = output(latency, 'write-latency-during') as { p50Ms: number; failed: number };
  assert.ok(during.p50Ms > before.p50Ms + 150, `p50 ${before.p50Ms} -> ${during.p50Ms} ms`);
  assert.equal(during.failed, 0);
  assert.match(
    (output('4-quorum-loss.journal.json', 'write-without-quorum-fails') as { error: string }).error,
    /no answer within 3000 ms/,
  );
  assert.equal((output('5-client-links.journal.json', 'client-sees-the-fault') as { ok: boolean }).ok, false);
  assert.equal((output('5-client-links.journal.json', 'client-recovers') as { ok: boolean }).ok, true);
  assert.deepEqual(processesMentioning(out), [], 'no etcd of this run left behind');

  // Prometheus judged every scenario: each member had a leader before and after, and leader
  // changes stayed within each scenario's bound, except in the partition where they must happen.
  const journal = (file: string) => JSON.parse(readFileSync(join(out, file), 'utf8')) as Journal;
  const scenarios = summary.map((scenario) => scenario.scenario.replace('.json', '.journal.json'));
  const prometheusVerdicts = scenarios.map((file) => {
    const { before, after } = journal(file).steady_states;
    return [before!, after!].map((state) =>
      state.probes
        .filter((probe) => probe.activity.name.startsWith('prometheus-'))
        .map((probe) => `${probe.activity.name}: ${probe.tolerance_met}`),
    );
  });
  const leaderEverywhere = 'prometheus-every-member-has-a-leader: true';
  const withinBounds = 'prometheus-leader-changes-within-bounds: true';
  assert.deepEqual(prometheusVerdicts, [
    [
      [leaderEverywhere, withinBounds],
      [leaderEverywhere, withinBounds],
    ],
    [[leaderEverywhere], [leaderEverywhere]],
    [
      [leaderEverywhere, withinBounds],
      [leaderEverywhere, withinBounds],
    ],
    [
      [leaderEverywhere, withinBounds],
      [leaderEverywhere, withinBounds],
    ],
    [
      [leaderEverywhere, withinBounds],
      [leaderEverywhere, withinBounds],
    ],
  ]);
  // The series over the partition: m1, cut off, lost its leader; the members counted a change.
  const leadership = output(partition, 'leadership-over-the-scenario') as Matrix;
  assert.equal(leadership.data.resultType, 'matrix');
  const m1 = leadership.data.result.find((series) => series.metric.instance === '127.0.1.1:2379')!;
  assert.ok(
    m1.values.some(([, value]) => value === '0'),
    `m1 had no leader at some point: ${m1.values.map(([, value]) => value).join('')}`,
  );
  assert.ok(summary[1]!.leaderChanges >= 1, `leader changes in the partition: ${summary[1]!.leaderChanges}`);
  const faults = output(partition, 'faults-over-the-scenario') as Matrix;
  assert.ok(
    faults.data.result[0]!.values.some(([, value]) => value === '4'),
    'Prometheus saw the four disabled links on the faultline server',
  );
  const report = readFileSync(join(out, '2-leader-partition.html'), 'utf8');
  assert.match(report, /<h2>Prometheus series<\/h2>/);
  assert.match(report, /etcd_server_has_leader\{instance=&#34;127\.0\.1\.1:2379&#34;, job=&#34;etcd&#34;\}/);
  // Prometheus was stopped by its pid and its data directory removed.
  const prometheus = JSON.parse(readFileSync(join(out, 'prometheus.json'), 'utf8')) as {
    pid: number;
    directory: string;
  };
  assert.throws(() => process.kill(prometheus.pid, 0), { code: 'ESRCH' });
  assert.equal(existsSync(prometheus.directory), false, `${prometheus.directory} removed`);
});

/** Pids of running processes whose command line mentions `text` (read from /proc). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}
