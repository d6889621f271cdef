// Runs the book's experiments against stacks started here, on 127.0.0.1 only, and stops
// everything it started. Usage: node examples/book/run.mjs [ch2 ch3 ch5 ch6] [--out DIR]
// Exit status 0 when every experiment ended as the book says it should.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, processGroup } from '../processes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', '..', 'dist', 'src', 'cli', 'main.js');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args.splice(outIndex, 2)[1] : mkdtempSync(join(tmpdir(), 'faultline-book-'));
const chosen = args.length > 0 ? args : ['ch2', 'ch3', 'ch5', 'ch6'];
mkdirSync(out, { recursive: true });

const { start, stopAll } = processGroup();

async function waitForHttp(url) {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`${url} did not answer within 5 s`);
}

async function runExperiment(file, env) {
  const journal = join(out, file.replace('.json', '.journal.json'));
  const child = spawn(process.execPath, [cli, 'run', join(here, file), '--journal-path', journal], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  const [code] = await once(child, 'exit');
  const report = spawn(
    process.execPath,
    [cli, 'report', journal, '-o', journal.replace('.journal.json', '.html')],
    {
      stdio: 'inherit',
    },
  );
  await once(report, 'exit');
  return { code, journal: JSON.parse(readFileSync(journal, 'utf8')) };
}

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
    const result = await runExperiment('ch2-kill-instances.json', {
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
        ...(await runExperiment('ch3-busy-neighbour.json', {})),
      },
      { file: 'ch3-cpu-quota.json', expected: 'met', ...(await runExperiment('ch3-cpu-quota.json', {})) },
    ];
  },
  async ch5() {
    return [
      {
        file: 'ch5-memory-limit.json',
        expected: 'met',
        ...(await runExperiment('ch5-memory-limit.json', {})),
      },
    ];
  },
  async ch6() {
    const port = await freePort();
    start(process.execPath, [join(here, 'journal-server.mjs'), String(port), join(out, 'entries.log')]);
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/health`);
    const result = await runExperiment('ch6-write-eio.json', { SERVER_URL: url, SERVER_PORT: String(port) });
    return [{ file: 'ch6-write-eio.json', expected: 'met', ...result }];
  },
};

let failures = 0;
try {
  for (const name of chosen) {
    if (!scenarios[name])
      throw new Error(`unknown scenario ${name}; choose from ${Object.keys(scenarios).join(', ')}`);
    for (const result of await scenarios[name]()) {
      const { journal } = result;
      const outcome =
        journal.status !== 'completed' || journal.steady_states.before?.steady_state_met === false
          ? 'not run to the end'
          : journal.deviated
            ? 'deviated'
            : 'met';
      const ok = outcome === result.expected;
      if (!ok) failures += 1;
      process.stdout.write(
        `${ok ? 'as expected' : 'UNEXPECTED'}: ${result.file}: hypothesis ${outcome} (expected ${result.expected}), status ${journal.status}, exit ${result.code}\n`,
      );
    }
    await stopAll();
  }
} finally {
  await stopAll();
}
process.stdout.write(`journals and reports in ${out}\n`);
process.exitCode = failures === 0 ? 0 : 1;
