// Runs the book's experiments against stacks started here, on 127.0.0.1 only, and stops
// everything it started. Usage: node examples/book/run.mjs [ch2 ch3 ch5 ch6] [--out DIR]
// Exit status 0 when every experiment ended as the book says it should.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { faultlineCli as cli, outcomeOf, runExperiment, waitForHttp } from '../experiments.mjs';
import { freePort, processGroup } from '../processes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args.splice(outIndex, 2)[1] : mkdtempSync(join(tmpdir(), 'faultline-book-'));
const chosen = args.length > 0 ? args : ['ch2', 'ch3', 'ch5', 'ch6'];
mkdirSync(out, { recursive: true });

const { start, stopAll } = processGroup();

const runBookExperiment = async (file, env) =>
  runExperiment({
    start,
    file: join(here, file),
    journalPath: join(out, file.replace('.json', '.journal.json')),
    env,
  });

const scenarios = {
  async ch2() {
    const [balancer, a, b] = [await freePort(), await freePort(), await freePort()];
    const pidfiles = [join(out, 'a.pid'), join(out, 'b.pid')];
    for (const [index, port] of [a, b].entries()) {
      start(process.execPath, [
        cli,
        'supervise',
        '--pidfile',
        pidfiles[index],
        '--',
        process.execPath,
        join(here, 'instance.mjs'),
        String(port),
      ]);
    }
    start(process.execPath, [join(here, 'balancer.mjs'), String(balancer), String(a), String(b)]);
    const url = `http://127.0.0.1:${balancer}`;
    await Promise.all([
      waitForHttp(`http://127.0.0.1:${a}/api/v1/`),
      waitForHttp(`http://127.0.0.1:${b}/api/v1/`),
      waitForHttp(`${url}/__stats`),
    ]);
    const result = await runBookExperiment('ch2-kill-instances.json', {
      BALANCER_URL: url,
      PIDFILE_A: pidfiles[0],
      PIDFILE_B: pidfiles[1],
    });
    return [{ file: 'ch2-kill-instances.json', expected: 'met', ...result }];
  },
  async ch3() {
    return [
      {
        file: 'ch3-busy-neighbour.json',
        expected: 'deviated',
        ...(await runBookExperiment('ch3-busy-neighbour.json', {})),
      },
      { file: 'ch3-cpu-quota.json', expected: 'met', ...(await runBookExperiment('ch3-cpu-quota.json', {})) },
    ];
  },
  async ch5() {
    return [
      {
        file: 'ch5-memory-limit.json',
        expected: 'met',
        ...(await runBookExperiment('ch5-memory-limit.json', {})),
      },
    ];
  },
  async ch6() {
    const port = await freePort();
    start(process.execPath, [join(here, 'journal-server.mjs'), String(port), join(out, 'entries.log')]);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health`);
    const result = await runBookExperiment('ch6-write-eio.json', {
      SERVER_URL: url,
      SERVER_PORT: String(port),
    });
    return [{ file: 'ch6-write-eio.json', expected: 'met', ...result }];
  },
};

let failures = 0;
try {
  for (const name of chosen) {
    if (!scenarios[name])
      throw new Error(`unknown scenario ${name}; choose from ${Object.keys(scenarios).join(', ')}`);
    for (const result of await scenarios[name]()) {
      const outcome = outcomeOf(result.journal);
      const ok = outcome === result.expected;
      if (!ok) failures += 1;
      process.stdout.write(
        `${ok ? 'as expected' : 'UNEXPECTED'}: ${result.file}: hypothesis ${outcome} (expected ${result.expected}), status ${result.journal.status}, exit ${result.code}\n`,
      );
    }
    await stopAll();
  }
} finally {
  await stopAll();
}
process.stdout.write(`journals and reports in ${out}\n`);
process.exitCode = failures === 0 ? 0 : 1;
