// Starts the cluster and its proxies, runs the five scenarios with a writer running through all
// of them, writes a journal and an HTML report per scenario, and stops everything it started.
// Usage: node examples/etcd-cluster/run.mjs [--out DIR] [scenario numbers...]
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { faultlineCli as cli, runExperiment, runFaultline } from '../experiments.mjs';
import { processGroup } from '../processes.mjs';
import { requireEtcd, startCluster } from './cluster.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args.splice(outIndex, 2)[1] : mkdtempSync(join(tmpdir(), 'faultline-etcd-'));
const scenarios = readdirSync(here)
  .filter((file) => /^\d-.*\.json$/.test(file))
  .filter((file) => args.length === 0 || args.includes(file[0]))
  .sort();

const { start, stopAll } = processGroup();

let failures = 0;
try {
  requireEtcd();
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
  const summary = [];
  for (const file of scenarios) {
    const journal = join(out, file.replace('.json', '.journal.json'));
    const { code, journal: result } = await runExperiment({
      start,
      file: join(here, file),
      journalPath: journal,
      env: context,
    });
    const met =
      result.status === 'completed' &&
      !result.deviated &&
      result.steady_states.before?.steady_state_met !== false;
    if (!met) failures += 1;
    const verdict = result.steady_states.after?.probes.find(
      (probe) => probe.activity.name === 'no-acknowledged-write-lost',
    )?.output;
    summary.push({
      scenario: file,
      met,
      exit: code,
      lost: verdict?.lost,
      acknowledged: verdict?.acknowledged,
      recoveryMs: verdict?.recoveryMs,
    });
    process.stdout.write(
      `${met ? 'held' : 'DID NOT HOLD'}: ${file}: ${verdict ? `${verdict.acknowledged} acknowledged writes, ${verdict.lost} lost, recovered in ${verdict.recoveryMs} ms` : 'no write verdict'}\n`,
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
