import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { processState } from '../src/system/processes.js';
import { stopLabProcesses } from '../src/system/undo.js';
import { destroyLab } from '../src/system/netlab.js';
import { closedPort, runCli, spawnCli, tempDirectory, waitFor } from './helpers.js';

/**
 * `net create` makes a lab: namespaces where the user's programs run and faults are put. It is
 * recorded in the ledger so that `faultline rollback` removes it; halt, which stops faults, took
 * it for one and deleted the lab with every program in it.
 */
const LAB = 'flhalt';
/** The lab a halted run makes. */
const RUN_LAB = 'flhrun';
const namespaces = (lab = LAB) =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => name.startsWith(`fl-${lab}-`))
    .sort();
/** The tc filters on the switch's ports, where a partition drops packets. */
const partitionRules = () => {
  const inSwitch = (...command: string[]) =>
    execFileSync('ip', ['netns', 'exec', `fl-${LAB}-sw`, ...command], { encoding: 'utf8' });
  const ports = inSwitch('ls', '/sys/class/net')
    .split(/\s+/)
    .filter((name) => /^p\d+$/.test(name));
  return ports.map((port) => inSwitch('tc', 'filter', 'show', 'dev', port, 'parent', '1:')).join('');
};
const ledgerDir = tempDirectory('halt-leaves-lab-ledger');
const env = { FAULTLINE_LEDGER_DIR: ledgerDir, FAULTLINE_STATE_DIR: tempDirectory('halt-leaves-lab-state') };
after(async () => {
  for (const lab of [LAB, RUN_LAB]) {
    await stopLabProcesses(lab);
    destroyLab(lab);
  }
});

describe('halt and a network lab', () => {
  test('halt undoes the partition in a lab and leaves the lab, saying so; rollback still removes it', async () => {
    const created = await runCli(['net', 'create', LAB, '--hosts', 'a,b'], env);
    assert.equal(created.code, 0, created.stderr);
    const unpartitioned = partitionRules();
    const partitioned = await runCli(['net', 'partition', LAB, 'a', 'b'], env);
    assert.equal(partitioned.code, 0, partitioned.stderr);
    assert.notEqual(partitionRules(), unpartitioned, 'the partition is in place');

    const halt = await runCli(['halt'], { ...env, FAULTLINE_URL: `http://127.0.0.1:${await closedPort()}` });
    assert.equal(halt.code, 0, halt.stdout + halt.stderr);
    assert.match(halt.stdout, /undone \(ledger\): undone: partitioned a from b in lab flhalt/);
    assert.match(
      halt.stdout,
      /left \(ledger\): created network lab flhalt: a lab is where faults run, not a fault: halt leaves it, and what runs in it; "faultline net destroy flhalt" or "faultline rollback" removes it \(run /,
    );
    assert.deepEqual(namespaces(), [`fl-${LAB}-a`, `fl-${LAB}-b`, `fl-${LAB}-sw`], 'the lab is still there');
    assert.equal(partitionRules(), unpartitioned, 'the partition is gone');

    const again = await runCli(['halt'], { ...env, FAULTLINE_URL: `http://127.0.0.1:${await closedPort()}` });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.doesNotMatch(again.stdout, /partitioned/, 'the partition was settled by the first halt');

    const rollback = await runCli(['rollback'], env);
    assert.equal(rollback.code, 0, rollback.stdout + rollback.stderr);
    assert.match(rollback.stdout + rollback.stderr, /undone: created network lab flhalt/);
    assert.deepEqual(namespaces(), [], 'rollback puts back the state before the lab');
  });

  test('a halted run undoes the partition it made and leaves its lab, which its journal lists as left', async () => {
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    after(() => sleeper.kill('SIGKILL'));
    const directory = tempDirectory('halt-leaves-lab-run');
    const ledger = join(directory, 'ledger');
    const path = join(directory, 'experiment.json');
    const action = (name: string, func: string, args: object, pause = 0) => ({
      type: 'action',
      name,
      provider: { type: 'faultline', module: func === 'pause' ? 'process' : 'net', func, arguments: args },
      ...(pause > 0 ? { pauses: { after: pause } } : {}),
    });
    writeFileSync(
      path,
      JSON.stringify({
        title: 'a lab, a partition in it, then a long wait',
        description: 'no rollbacks: what the method made is left to the halt',
        method: [
          action('lab', 'create', { lab: RUN_LAB, hosts: ['a', 'b'] }),
          action('cut', 'partition', { lab: RUN_LAB, from: 'a', to: 'b' }),
          action('pause', 'pause', { pid: sleeper.pid }, 600),
        ],
      }),
    );
    const journalPath = join(directory, 'journal.json');
    const run = spawnCli(['run', path, '--journal-path', journalPath, '--ledger-dir', ledger], {
      ...env,
      FAULTLINE_URL: '',
    });
    await waitFor(() => processState(sleeper.pid!) === 'T', 'the run to pause the sleep', 60_000);
    const halt = await runCli(['halt', '--ledger-dir', ledger], {
      ...env,
      FAULTLINE_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    assert.equal(halt.code, 0, halt.stdout + halt.stderr);
    assert.match(
      halt.stdout,
      /left \(ledger\): created network lab flhrun: a lab is where faults run, not a fault/,
    );
    await run.done;
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    assert.deepEqual(journal.faults_undone_for_halt, [
      `undone: paused process ${sleeper.pid} (sleep 60)`,
      'undone: partitioned a from b in lab flhrun',
    ]);
    assert.deepEqual(journal.faults_left, ['created network lab flhrun']);
    assert.deepEqual(namespaces(RUN_LAB), [`fl-${RUN_LAB}-a`, `fl-${RUN_LAB}-b`, `fl-${RUN_LAB}-sw`]);
  });
});
