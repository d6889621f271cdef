// Starts the cluster and its proxies, runs the five scenarios with a writer running through all
// of them, writes a journal and an HTML report per scenario, and stops everything it started.
// Usage: node examples/etcd-cluster/run.mjs [--out DIR] [scenario numbers...]
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { faultlineCli as cli, runExperiment, runFaultline } from '../experiments.mjs';
import { processGroup } from '../processes.mjs';
import { requireEtcd, startCluster } from './cluster.mjs';
import { requirePrometheus, startPrometheus } from './prometheus.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args.splice(outIndex, 2)[1] : mkdtempSync(join(tmpdir(), 'faultline-etcd-'));
const scenarios = readdirSync(here)
  .filter((file) => /^\d-.*\.json$/.test(file))
  .filter((file) => args.length === 0 || args.includes(file[0]))
  .sort();

const { start, stopAll, afterStop } = processGroup();

/**
 * The writer's attempts from one scenario's start to its end: how many etcd acknowledged, how
 * many failed, and how long the writes took to recover from the outages in that window (null when
 * nothing failed; "not recovered" when the scenario ended while writes were still failing).
 */
function writesBetween(log, from, to) {
  const records = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((record) => record.at >= from && record.at < to);
  let failingSince;
  let recoveryMs = null;
  let longestOutageMs = 0;
  for (const record of records) {
    if (!record.ok) failingSince ??= record.at;
    else if (failingSince !== undefined) {
      recoveryMs = record.at - failingSince;
      longestOutageMs = Math.max(longestOutageMs, recoveryMs);
      failingSince = undefined;
    }
  }
  const acknowledged = records.filter((record) => record.ok).length;
  return {
    attempts: records.length,
    acknowledged,
    failed: records.length - acknowledged,
    recoveryMs: failingSince === undefined ? recoveryMs : 'not recovered',
    longestOutageMs,
  };
}

/** Waits up to 20 s for the writer's first acknowledged write; throws with its last error. */
async function firstAcknowledgedWrite(log) {
  const deadline = Date.now() + 20_000;
  let last;
  while (Date.now() < deadline) {
    const records = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    if (records.some((record) => record.ok)) return;
    last = records.at(-1)?.error ?? last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `the writer had no write acknowledged in 20 s${last ? ` (the last error: ${last})` : ''}: no scenario would measure anything`,
  );
}

const recovery = (writes) =>
  writes.acknowledged === 0
    ? 'no write acknowledged, so nothing was measured'
    : writes.failed === 0
      ? 'no write failed'
      : writes.recoveryMs === 'not recovered'
        ? 'writes still failing at the end'
        : `recovered in ${writes.recoveryMs} ms`;

/**
 * What Prometheus saw during the scenario: the most leader changes any member counted, and the
 * seconds some member had no leader (points at 0, one every half second).
 */
function seenByPrometheus(journal) {
  const series = (name) =>
    journal.run.find((entry) => entry.activity.name === name)?.output?.data?.result ?? [];
  const values = (name) => series(name).flatMap(({ values }) => values.map(([, value]) => Number(value)));
  const changes = values('leader-changes-over-the-scenario');
  const leaderless = series('leadership-over-the-scenario').map(
    ({ values }) => values.filter(([, value]) => value === '0').length / 2,
  );
  return {
    leaderChanges: changes.length ? Math.max(...changes) : null,
    leaderlessSeconds: leaderless.length ? Math.max(...leaderless) : null,
  };
}

let failures = 0;
try {
  requireEtcd();
  requirePrometheus();
  const cluster = await startCluster({ directory: join(out, 'cluster'), faultlineCli: cli, start });
  const writerLog = join(out, 'writes.jsonl');
  writeFileSync(writerLog, '');
  const context = {
    FAULTLINE_URL: cluster.api,
    WRITER_LOG: writerLog,
    CLIENT_M1: cluster.clients[0],
    CLIENT_M2: cluster.clients[1],
    CLIENT_M3: cluster.clients[2],
  };
  const prometheus = await startPrometheus({
    jobs: {
      etcd: cluster.members.map((member) => new URL(member).host),
      faultline: [new URL(cluster.api).host],
    },
    start,
    afterStop,
  });
  context.PROMETHEUS_URL = prometheus.url;
  writeFileSync(join(out, 'prometheus.json'), JSON.stringify(prometheus, null, 2));
  // A leader first: the writer starts on a working cluster.
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const status = await runFaultline(['etcd', 'status', '--endpoints', cluster.members.join(',')]);
    if (status.code === 0 && JSON.parse(status.stdout).leaders === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  start(process.execPath, [
    cli,
    'etcd',
    'writer',
    '--endpoints',
    cluster.clients.join(','),
    '--log',
    writerLog,
    '-t',
    '900',
  ]);
  // Scenarios start once etcd has acknowledged a write: a writer that cannot write measures nothing.
  await firstAcknowledgedWrite(writerLog);
  const summary = [];
  for (const file of scenarios) {
    const journal = join(out, file.replace('.json', '.journal.json'));
    const { code, journal: result } = await runExperiment({
      start,
      file: join(here, file),
      journalPath: journal,
      // Prometheus's series of this scenario start here (Unix seconds, as PromQL's `@` takes them).
      env: { ...context, SCENARIO_START: String(Date.now() / 1000) },
    });
    // This scenario's writes: from the experiment's start to its end, rollbacks included.
    const writes = writesBetween(writerLog, Date.parse(result.start), Date.parse(result.end));
    // A scenario during which etcd acknowledged no write measured nothing, whatever its journal says.
    const met =
      result.status === 'completed' &&
      !result.deviated &&
      result.steady_states.before?.steady_state_met !== false &&
      writes.acknowledged > 0;
    if (!met) failures += 1;
    // The verdict, taken before the rollbacks, reads back every write acknowledged since the
    // writer started: a write lost in this scenario shows there, and so would an earlier one.
    const verdict = result.steady_states.after?.probes.find(
      (probe) => probe.activity.name === 'no-acknowledged-write-lost',
    )?.output;
    summary.push({
      scenario: file,
      met,
      exit: code,
      ...writes,
      lostSinceStart: verdict?.lost,
      acknowledgedSinceStart: verdict?.acknowledged,
      ...seenByPrometheus(result),
    });
    process.stdout.write(
      `${met ? 'held' : 'DID NOT HOLD'}: ${file}: during it ${writes.acknowledged} writes acknowledged, ${writes.failed} failed, ${recovery(writes)}; ` +
        `${verdict ? `${verdict.lost} of ${verdict.acknowledged} acknowledged since the start lost` : 'no write verdict'}; ` +
        `Prometheus: ${summary.at(-1).leaderChanges ?? '?'} leader changes, a member without a leader for ${summary.at(-1).leaderlessSeconds ?? '?'} s\n`,
    );
  }
  writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2));
} catch (error) {
  failures += 1;
  process.stderr.write(`etcd example: ${error.message}\n`);
} finally {
  await stopAll();
}
process.stdout.write(`journals and reports in ${out}\n`);
process.exitCode = failures === 0 ? 0 : 1;
