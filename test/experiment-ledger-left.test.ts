import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  canConnect,
  createProxy,
  type Harness,
  runCli,
  startEchoServer,
  startHarness,
  tempDirectory,
} from './helpers.js';
import { addToxic, removeToxic } from './experiment-helpers.js';

const toggle = (name: string, func: 'disable' | 'enable') => ({
  type: 'action',
  name,
  provider: { type: 'faultline', module: 'proxies', func, arguments: { name: 'db' } },
});

async function runExperiment(
  rollbacks: object[] | ((proxy: { port: number }, upstream: string) => object[]),
  method: object[] = [addToxic],
  prepare: (harness: Harness) => Promise<unknown> = async () => undefined,
) {
  const harness = await startHarness();
  const echo = await startEchoServer();
  const proxy = await createProxy(harness, 'db', echo.address);
  await prepare(harness);
  const directory = tempDirectory('ledger-left');
  const ledgerDir = join(directory, 'ledger');
  const path = join(directory, 'experiment.json');
  await writeFile(
    path,
    JSON.stringify({
      title: 'a toxic',
      description: 'd',
      configuration: { faultline_url: harness.url },
      method,
      rollbacks: typeof rollbacks === 'function' ? rollbacks(proxy, echo.address) : rollbacks,
    }),
  );
  const journalPath = join(directory, 'journal.json');
  const run = await runCli(['run', path, '--journal-path', journalPath, '--ledger-dir', ledgerDir]);
  const toxics = (await harness.api('GET', '/proxies/db/toxics')).json as Array<{ name: string }>;
  return { run, toxics, ledgerDir, harness, proxy, echo, journalPath };
}

describe('a completed run keeps its ledger exactly while its faults are in place', () => {
  test('no rollbacks: the toxic stays, the run says so, and faultline rollback finds and removes it', async () => {
    const { run, toxics, ledgerDir, harness, journalPath } = await runExperiment([]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      toxics.map((toxic) => toxic.name),
      ['slow'],
    );
    assert.match(
      run.stderr,
      /1 fault this run injected may still be in place: "faultline rollback" undoes them/,
    );
    assert.equal(readdirSync(ledgerDir).length, 1);
    const left = [`added latency toxic slow on db (${harness.url})`];
    assert.deepEqual(JSON.parse(readFileSync(journalPath, 'utf8')).faults_left, left);
    const markdown = await runCli(['report', journalPath, '--format', 'md']);
    const row = `| Faults left | 1 fault this run injected may still be in place: ${left[0]}. "faultline rollback" undoes them. |`;
    assert.ok(markdown.stdout.includes(row), markdown.stdout);
    const html = await runCli(['report', journalPath, '--format', 'html']);
    assert.match(
      html.stdout,
      /<p id="faults-left" class="faults-left">1 fault this run injected may still be in place: added latency toxic slow on db/,
    );
    const rolled = await runCli(['rollback', '--ledger-dir', ledgerDir]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(rolled.stdout, /undone: added latency toxic slow on db/);
    assert.deepEqual((await harness.api('GET', '/proxies/db/toxics')).json, []);
  });

  test('a rollback that removes the toxic settles it: no ledger is left and nothing is reported', async () => {
    const { run, toxics, ledgerDir, journalPath } = await runExperiment([removeToxic]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(toxics, []);
    assert.doesNotMatch(run.stderr, /may still be in place/);
    assert.equal('faults_left' in JSON.parse(readFileSync(journalPath, 'utf8')), false);
    assert.doesNotMatch((await runCli(['report', journalPath, '--format', 'md'])).stdout, /Faults left/);
    assert.deepEqual(readdirSync(ledgerDir), []);
  });

  test('a rollback that enables the proxy the method disabled settles it; the disable alone is kept', async () => {
    const restored = await runExperiment([toggle('enable', 'enable')], [toggle('disable', 'disable')]);
    assert.equal(restored.run.code, 0, restored.run.stderr);
    assert.equal((await restored.harness.api('GET', '/proxies/db')).json.enabled, true);
    assert.doesNotMatch(restored.run.stderr, /may still be in place/);
    assert.deepEqual(readdirSync(restored.ledgerDir), []);

    const left = await runExperiment([], [toggle('disable', 'disable'), toggle('disable again', 'disable')]);
    assert.match(left.run.stderr, /1 fault this run injected may still be in place/);
    const rolled = await runCli(['rollback', '--ledger-dir', left.ledgerDir]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.equal((await left.harness.api('GET', '/proxies/db')).json.enabled, true);
  });
});

const chaostoxi = (name: string, func: string, args: object = { proxy_name: 'db' }) => ({
  type: 'action',
  name,
  provider: {
    type: 'python',
    module: 'chaostoxi.proxy.actions',
    func,
    arguments: args,
  },
});

const addPre = (harness: Harness) =>
  harness.api('POST', '/proxies/db/toxics', { name: 'pre', type: 'latency', attributes: { latency: 7 } });

describe('a change that changes nothing is no fault', () => {
  test('enabling an enabled proxy and updating a toxic to what it was record nothing', async () => {
    const sameLatency = {
      type: 'action',
      name: 'same latency',
      provider: {
        type: 'faultline',
        module: 'toxics',
        func: 'update',
        arguments: { proxy: 'db', name: 'pre', attributes: { latency: 7 } },
      },
    };
    const { run, ledgerDir, journalPath } = await runExperiment(
      [toggle('enable', 'enable')],
      [sameLatency],
      addPre,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /may still be in place/);
    assert.equal('faults_left' in JSON.parse(readFileSync(journalPath, 'utf8')), false);
    assert.deepEqual(readdirSync(ledgerDir), []);
  });
});

describe('a proxy the run deletes is an outage the ledger records', () => {
  test("rollback creates it again as it was before the run: its own toxics, not the run's", async () => {
    const { run, ledgerDir, harness, proxy } = await runExperiment(
      [],
      [addToxic, chaostoxi('delete', 'delete_proxy')],
      addPre,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal((await harness.api('GET', '/proxies/db')).status, 404);
    assert.match(run.stderr, /1 fault this run injected may still be in place/);
    const dry = await runCli(['rollback', '--dry-run', '--ledger-dir', ledgerDir]);
    assert.match(
      dry.stdout,
      new RegExp(`would undo: deleted proxy db \\(${proxy.listen} -> .*, enabled, 1 toxic\\(s\\)\\)`),
    );
    assert.match(
      dry.stdout,
      /by: POST http:\/\/127\.0\.0\.1:\d+\/proxies \{"name":"db",.*"toxics":\[\{"name":"pre",/,
    );
    const rolled = await runCli(['rollback', '--ledger-dir', ledgerDir]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(rolled.stdout, /undone: deleted proxy db/);
    const back = (await harness.api('GET', '/proxies/db')).json;
    assert.equal(back.listen, proxy.listen);
    assert.equal(back.enabled, true);
    assert.deepEqual(
      back.toxics.map((toxic: { name: string; attributes: object }) => [toxic.name, toxic.attributes]),
      [['pre', { latency: 7, jitter: 0 }]],
    );
    assert.equal(await canConnect(proxy.port), true);
    assert.deepEqual(readdirSync(ledgerDir), []);
  });

  test('halt creates it again enabled and without toxics: halt adds no fault', async () => {
    const { ledgerDir, harness } = await runExperiment(
      [],
      [chaostoxi('disable', 'disable_proxy'), chaostoxi('delete', 'delete_proxy')],
      addPre,
    );
    const halted = await runCli(['halt', '--host', harness.url, '--ledger-dir', ledgerDir]);
    assert.equal(halted.code, 0, halted.stdout + halted.stderr);
    assert.match(
      halted.stdout,
      /undone \(ledger\): undone: deleted proxy db .*created enabled, without its 1 toxic\(s\): halt adds no fault/,
    );
    const back = (await harness.api('GET', '/proxies/db')).json;
    assert.deepEqual([back.enabled, back.toxics], [true, []]);
    assert.deepEqual(readdirSync(ledgerDir), []);
  });

  test('a rollback that creates it again as it was settles the deletion; one that differs does not', async () => {
    const recreate = (listen: number) => (proxy: { port: number }, upstream: string) => [
      chaostoxi('recreate', 'create_proxy', {
        proxy_name: 'db',
        upstream_host: '127.0.0.1',
        upstream_port: Number(upstream.split(':').pop()),
        listen_port: listen || proxy.port,
      }),
    ];
    const same = await runExperiment(recreate(0), [chaostoxi('delete', 'delete_proxy')]);
    assert.equal(same.run.code, 0, same.run.stderr);
    assert.equal((await same.harness.api('GET', '/proxies/db')).json.listen, same.proxy.listen);
    assert.doesNotMatch(same.run.stderr, /may still be in place/);
    assert.deepEqual(readdirSync(same.ledgerDir), []);

    const other = await runExperiment(recreate(0), [chaostoxi('delete', 'delete_proxy')], addPre);
    assert.match(other.run.stderr, /2 faults this run injected may still be in place/);
    const rolled = await runCli(['rollback', '--ledger-dir', other.ledgerDir]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.deepEqual(
      (await other.harness.api('GET', '/proxies/db')).json.toxics.map(
        (toxic: { name: string }) => toxic.name,
      ),
      ['pre'],
    );
  });

  test('a reset records nothing, settles what it took back, and says what else it removed', async () => {
    const { run, ledgerDir, harness } = await runExperiment(
      [],
      [addToxic, chaostoxi('disable', 'disable_proxy'), chaostoxi('reset', 'reset', {})],
      addPre,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /the reset also removed 1 toxic\(s\) this run had not added \(db\/pre\): a reset removes faults, so the ledger records none of this and no rollback or halt puts it back/,
    );
    assert.doesNotMatch(run.stderr, /may still be in place/);
    assert.deepEqual(readdirSync(ledgerDir), []);
    assert.deepEqual((await harness.api('GET', '/proxies/db/toxics')).json, []);
  });
});

describe('faultline rollback --forget', () => {
  test('a server gone for good: rollback and halt fail and say how to forget it; --forget discards it, undoing nothing', async () => {
    const { ledgerDir, harness } = await runExperiment([]);
    const url = harness.url;
    await harness.close();
    const failed = await runCli(['rollback', '--ledger-dir', ledgerDir]);
    assert.equal(failed.code, 1);
    assert.match(
      failed.stdout,
      new RegExp(
        `if ${url.replaceAll('.', '\\.')} is gone for good, "faultline rollback --forget ${url.replaceAll('.', '\\.')}" discards`,
      ),
    );
    const halted = await runCli(['halt', '--ledger-dir', ledgerDir], { FAULTLINE_URL: url });
    assert.equal(halted.code, 1);
    assert.match(halted.stdout, /FAILED \(ledger\): could not undo .*"faultline rollback --forget http/);

    const unknown = await runCli(['rollback', '--ledger-dir', ledgerDir, '--forget', 'no-such-run']);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /--forget "no-such-run": no run with that id, and no server with faults, in the ledger; it holds: .*http/,
    );
    const dry = await runCli(['rollback', '--ledger-dir', ledgerDir, '--forget', url, '--dry-run']);
    assert.match(dry.stdout, /would forget: added latency toxic slow on db/);
    assert.equal(readdirSync(ledgerDir).length, 1);
    const forgot = await runCli([
      'rollback',
      '--ledger-dir',
      ledgerDir,
      '--forget',
      url.replace('http://', ''),
    ]);
    assert.equal(forgot.code, 0, forgot.stderr);
    assert.match(forgot.stdout, /forgotten: added latency toxic slow on db/);
    assert.match(forgot.stdout, /undid nothing/);
    assert.deepEqual(readdirSync(ledgerDir), []);
    const after = await runCli(['rollback', '--ledger-dir', ledgerDir]);
    assert.equal(after.code, 0);
    assert.match(after.stdout, /nothing to roll back/);
  });

  test('a run by its id: its entries are discarded and its fault is left in place', async () => {
    const { ledgerDir, harness } = await runExperiment([]);
    const run = readdirSync(ledgerDir)[0]!.replace(/\.jsonl$/, '');
    const forgot = await runCli(['rollback', '--ledger-dir', ledgerDir, '--forget', run]);
    assert.equal(forgot.code, 0, forgot.stderr);
    assert.match(
      forgot.stdout,
      new RegExp(`run ${run} \\(a toxic\\)[^\\n]*:\\n  forgotten: added latency toxic slow on db`),
    );
    assert.deepEqual(readdirSync(ledgerDir), []);
    assert.deepEqual(
      (await harness.api('GET', '/proxies/db/toxics')).json.map((toxic: { name: string }) => toxic.name),
      ['slow'],
    );
  });
});
