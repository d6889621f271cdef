import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { openLedger, scanLedgers } from '../src/experiment/ledger.js';
import { undoLedger } from '../src/experiment/rollback.js';
import type { SystemUndo } from '../src/model/ledger.js';
import { destroyLab, loadLab } from '../src/system/netlab.js';
import { stopLabProcesses, undoSystem } from '../src/system/undo.js';
import { netOperations as net } from '../src/system/operations/net-operations.js';
import { runCli, spawnCli, tempDirectory, waitFor } from './helpers.js';

const ledgerDirectory = tempDirectory('netlab');
const ledger = openLedger(ledgerDirectory, { run: 'netlab', experiment: 'netlab' });
const context = { ledger, signal: new AbortController().signal, warn: () => undefined };
const LAB = 'fltest';

const servers: ChildProcess[] = [];
after(async () => {
  for (const server of servers)
    if (server.exitCode === null && server.signalCode === null) {
      try {
        process.kill(server.pid!, 'SIGKILL');
      } catch {
        // Stopped already (the lab's undo stops what runs in it), not yet reaped.
      }
    }
  await stopLabProcesses(LAB);
  destroyLab(LAB);
});

/** A sink in a host (b unless named): it reads everything, then answers "ok" with how many bytes it got. */
async function startSink(port: number, inHost = 'b') {
  const script = `require('net').createServer(s=>{let n=0;s.on('data',d=>n+=d.length);s.on('end',()=>s.end('ok '+n))}).listen(${port},()=>console.log('up'))`;
  const server = spawn('ip', ['netns', 'exec', `fl-${LAB}-${inHost}`, process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  servers.push(server);
  await once(server.stdout!, 'data');
}

/** Sends `bytes` from host `from` to the sink in `to`; resolves with the reply or "timeout", and the time taken. */
async function send(
  from: string,
  bytes: number,
  timeoutMs = 1500,
  to = 'b',
): Promise<{ reply: string; ms: number }> {
  const address = loadLab(LAB).hosts.find((host) => host.name === to)!.address;
  const script = `const t=Date.now();const s=require('net').connect(7100,'${address}',()=>s.end(Buffer.alloc(${bytes})));s.setTimeout(${timeoutMs},()=>{console.log(JSON.stringify({reply:'timeout',ms:Date.now()-t}));process.exit(0)});let r='';s.on('data',d=>r+=d);s.on('end',()=>console.log(JSON.stringify({reply:r,ms:Date.now()-t})));s.on('error',e=>console.log(JSON.stringify({reply:e.code,ms:Date.now()-t})))`;
  const client = spawn('ip', ['netns', 'exec', `fl-${LAB}-${from}`, process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  client.stdout!.on('data', (chunk) => (output += chunk));
  await once(client, 'close');
  return JSON.parse(output) as { reply: string; ms: number };
}

/** The root qdisc of a host's eth0, as tc shows it. */
function hostQueue(host: string): string {
  return execFileSync(
    'ip',
    ['netns', 'exec', `fl-${LAB}-${host}`, 'tc', 'qdisc', 'show', 'dev', 'eth0', 'root'],
    {
      encoding: 'utf8',
    },
  );
}

describe('network lab: namespaces, veth pairs and a bridge', () => {
  test('hosts reach each other; a partition drops packets silently; healing restores them', async () => {
    const lab = (await net.create!({ lab: LAB, hosts: ['a', 'b', 'c'] }, context)) as {
      hosts: Array<{ address: string }>;
    };
    assert.deepEqual(
      lab.hosts.map((host) => host.address.split('.').at(-1)),
      ['1', '2', '3'],
    );
    await startSink(7100);
    assert.equal((await send('a', 1000)).reply, 'ok 1000');
    await net.partition!({ lab: LAB, from: 'a', to: 'b' }, context);
    assert.equal((await send('a', 1000)).reply, 'timeout', 'no error: the packets vanish, as on a cut cable');
    assert.equal((await send('c', 1000)).reply, 'ok 1000', 'only a and b are cut apart');
    await net.heal!({ lab: LAB }, context);
    assert.equal((await send('a', 1000)).reply, 'ok 1000');
  });

  test('hosts have IPv4 only: no IPv6 link-local address carries traffic past a partition', () => {
    // The partition's filters match IPv4 sources; a fe80:: address on eth0 let a reach b through it.
    for (const host of ['a', 'b', 'c'])
      assert.equal(
        execFileSync('ip', ['-n', `fl-${LAB}-${host}`, '-6', '-o', 'addr', 'show', 'dev', 'eth0'], {
          encoding: 'utf8',
        }),
        '',
        `host ${host}`,
      );
  });

  test('tbf limits a host to its rate: 400 KB at 2 mbit takes about 1.6 s', async () => {
    await net.limit!({ lab: LAB, host: 'b', rate: '2mbit' }, context);
    const limited = await send('a', 400_000, 10_000);
    assert.equal(limited.reply, 'ok 400000');
    assert.ok(limited.ms > 1300 && limited.ms < 3000, `${limited.ms} ms`);
    await net.heal!({ lab: LAB }, context);
    const open = await send('a', 400_000, 10_000);
    assert.ok(open.ms < 1000, `${open.ms} ms once healed`);
  });

  test('overlapping faults: undoing an isolation leaves the older partition of the same hosts', async () => {
    await startSink(7100, 'c');
    await net.partition!({ lab: LAB, from: 'a', to: 'b' }, context);
    const before = ledger.live().length;
    await net.isolate!({ lab: LAB, host: 'a' }, context);
    const isolation = ledger.live().slice(before);
    assert.deepEqual(
      isolation.map((entry) => entry.description),
      [`isolated a from b in lab ${LAB}`, `isolated a from c in lab ${LAB}`],
    );
    assert.equal((await send('a', 1000, 1500, 'c')).reply, 'timeout');
    for (const entry of isolation) {
      assert.deepEqual(await undoSystem(entry.undo as SystemUndo), { result: 'undone' });
      ledger.settle(entry.seq);
    }
    assert.equal((await send('a', 1000, 5000, 'c')).reply, 'ok 1000', 'the isolation is gone');
    assert.equal((await send('a', 1000)).reply, 'timeout', 'the partition made before it still holds');
    assert.deepEqual(
      await undoSystem(isolation[0]!.undo as SystemUndo),
      { result: 'already gone' },
      'an undo run twice says it found nothing',
    );
    await net.heal!({ lab: LAB }, context);
    assert.equal((await send('a', 1000, 5000)).reply, 'ok 1000');
  });

  test('a second limit on a host is refused, exit 2, and the first stays as it was', async () => {
    await net.limit!({ lab: LAB, host: 'c', rate: '1mbit' }, context);
    const second = await runCli(['net', 'limit', LAB, 'c', '--rate', '2mbit']);
    assert.equal(second.code, 2);
    assert.match(
      second.stderr,
      /host c in lab fltest has a limit already \(qdisc tbf 31: root .*rate 1Mbit.*\); a limit would replace it\. Undo that one first \("faultline rollback", or "faultline net heal fltest"/,
    );
    assert.match(hostQueue('c'), /^qdisc tbf 31: root .*rate 1Mbit /);
    const [limit] = ledger.live().filter((entry) => entry.undo.kind === 'remove-limit');
    assert.deepEqual(await undoSystem(limit!.undo as SystemUndo), { result: 'undone' });
    ledger.settle(limit!.seq);
    assert.match(hostQueue('c'), /^qdisc noqueue 0: root/);
  });

  test('netem missing from the kernel is named, with the alternative', async () => {
    await assert.rejects(
      net.delay!({ lab: LAB, host: 'a', ms: 50 }, context),
      (error: Error) => error.name === 'MissingCapability' || /qdisc/.test(error.message),
    );
    const result = await runCli(['net', 'delay', LAB, 'a', '--ms', '50']);
    if (result.code !== 0)
      assert.match(result.stderr, /tc netem is missing from this kernel.*faultline proxy/);
    else await runCli(['net', 'heal', LAB]);
  });

  test("net delay with netem's other settings: tc is given them all, or the missing netem is named", async (t) => {
    const result = await runCli([
      ...['net', 'delay', LAB, 'a', '--ms', '50', '--jitter', '10ms', '--distribution', 'normal'],
      ...['--loss', '1', '--duplicate', '2%', '--reorder', '25', '--gap', '5', '--limit', '1000'],
    ]);
    if (result.code !== 0) {
      assert.match(result.stderr, /tc netem is missing from this kernel.*faultline proxy/);
      assert.match(hostQueue('a'), /^qdisc noqueue 0: root/, 'nothing was left on the host');
      t.diagnostic('this kernel has no sch_netem: the netem settings were checked, not run');
      return;
    }
    assert.equal(
      result.stdout,
      `delay: netem limit 1000 delay 50ms 10ms distribution normal loss random 1% duplicate 2% reorder 25% gap 5 on host a in lab ${LAB}\n`,
    );
    assert.match(
      hostQueue('a'),
      /^qdisc netem 32: root .*limit 1000 delay 50ms\s+10ms loss 1% duplicate 2% reorder 25% gap 5/,
    );
    await runCli(['net', 'heal', LAB]);
    assert.match(hostQueue('a'), /^qdisc noqueue 0: root/);
  });

  test('bad input: unknown host, bad rate, bad lab name', async () => {
    await assert.rejects(
      net.isolate!({ lab: LAB, host: 'z' }, context),
      /has no host "z"; its hosts: a, b, c/,
    );
    await assert.rejects(
      net.limit!({ lab: LAB, host: 'a', rate: 'fast' }, context),
      /rate "fast" must be a number and one of tc's units: bit, kbit/,
    );
    await assert.rejects(
      net.limit!({ lab: LAB, host: 'a', rate: '0kbit' }, context),
      /rate "0kbit" is below 8 bit\/s, which tc cannot shape to; give at least 8bit/,
    );
    await assert.rejects(
      net.partition!({ lab: LAB, from: 'a', to: 'a' }, context),
      /a host cannot be partitioned from itself \(both are "a"\)/,
    );
    for (const args of [
      ['limit', LAB, 'a', '--rate', 'garbage'],
      ['partition', LAB, 'a', 'a'],
      ['isolate', LAB, 'z'],
      ['partition', 'nolab', 'a', 'b'],
      ['create', 'Bad', '--hosts', 'a,b'],
      ['create', 'twice', '--hosts', 'a,a'],
    ]) {
      const result = await runCli(['net', ...args]);
      assert.equal(result.code, 2, `net ${args.join(' ')}: ${result.stderr}`);
    }
    const single = await runCli(['net', 'create', 'one', '--hosts', 'a']);
    assert.equal(single.code, 2);
    assert.match(
      single.stderr,
      /^faultline: invalid hosts in net\.create: a lab needs at least two hosts to put faults between: give two or more \(--hosts a,b; "hosts": \["a", "b"\] in an experiment\)/,
    );
    const noProgram = await runCli(['net', 'exec', LAB, 'a', '--', '/nonexistent/server', '--port', '1']);
    assert.deepEqual(noProgram, {
      code: 2,
      stdout: '',
      stderr:
        'faultline: cannot run /nonexistent/server --port 1: /nonexistent/server does not exist; check the path; nothing was started\n',
    });
    const missing = await runCli(['net', 'destroy', 'nolab']);
    assert.deepEqual(missing, {
      code: 2,
      stdout: '',
      stderr:
        'faultline: there is no lab nolab (no state and no namespace fl-nolab-*): nothing was destroyed; check the name (a lab\'s namespaces show in "ip netns list" as fl-LAB-*)\n',
    });
    await assert.rejects(net.create!({ lab: 'Bad Name', hosts: ['a', 'b'] }, context), /lab name "Bad Name"/);
    await assert.rejects(
      net.partition!({ lab: 'nolab', from: 'a', to: 'b' }, context),
      /there is no lab nolab/,
    );
  });

  test('the ledger undoes every change, the lab itself last', async () => {
    await net.isolate!({ lab: LAB, host: 'c' }, context);
    const [left] = scanLedgers(ledgerDirectory).ledgers;
    const lines: string[] = [];
    await undoLedger(left!, (line) => lines.push(line));
    assert.match(
      lines.at(-1)!,
      new RegExp(
        `^undone: created network lab ${LAB} \\(stopped what ran in it: ${servers[0]!.pid} \\(.*node -e .*\\) in fl-${LAB}-b, ${servers[1]!.pid} \\(.*\\) in fl-${LAB}-c\\)$`,
      ),
      'the sinks the tests started in the lab are stopped with it',
    );
    assert.throws(() => loadLab(LAB), /there is no lab/);
    const list = await runCli(['net', 'show', LAB]);
    assert.equal(list.code, 2, 'a lab that is not there is bad input');
  });

  test('SIGTERM to "net exec" is passed on to the command, which ends with the CLI', async () => {
    await net.create!({ lab: LAB, hosts: ['a', 'b'] }, context);
    const cli = spawnCli(['net', 'exec', LAB, 'b', '--', 'sh', '-c', 'echo $$; exec sleep 300']);
    await waitFor(() => /^\d+\n/.test(cli.output().stdout), 'the command printing its pid', 20_000);
    const command = Number(cli.output().stdout.trim());
    assert.deepEqual(
      execFileSync('ip', ['netns', 'pids', `fl-${LAB}-b`], { encoding: 'utf8' }).trim(),
      String(command),
    );
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    assert.equal(result.code, 143, result.stderr);
    await waitFor(() => !existsSync(`/proc/${command}`), 'the command to end', 10_000);
  });

  test('"net destroy" refuses while processes run in the lab, naming them; --force stops them first', async () => {
    const sleeper = spawn('ip', ['netns', 'exec', `fl-${LAB}-a`, 'sleep', '300'], { stdio: 'ignore' });
    servers.push(sleeper);
    await waitFor(
      () => execFileSync('ip', ['netns', 'pids', `fl-${LAB}-a`], { encoding: 'utf8' }).trim() !== '',
      'sleep in host a',
    );
    const refused = await runCli(['net', 'destroy', LAB]);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      new RegExp(
        `lab ${LAB} still has processes running in it: ${sleeper.pid} \\(sleep 300\\) in fl-${LAB}-a; stop them first, or "faultline net destroy ${LAB} --force" stops them`,
      ),
    );
    assert.equal(loadLab(LAB).name, LAB, 'the lab is still there');
    const forced = await runCli(['net', 'destroy', LAB, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(
      forced.stdout,
      `destroyed ${LAB}, after stopping ${sleeper.pid} (sleep 300) in fl-${LAB}-a\n`,
    );
    assert.equal(sleeper.exitCode ?? sleeper.signalCode ?? (await once(sleeper, 'exit'))[1], 'SIGTERM');
    assert.throws(() => loadLab(LAB), /there is no lab/);
  });
});
