import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { runCli, tempDirectory } from './helpers.js';

/**
 * A qdisc someone added by hand on a lab host's eth0 (`ip netns exec fl-LAB-b tc qdisc add dev eth0
 * root handle 5: tbf ...`) is not faultline's. `net limit` on that host failed with tc's raw
 * "NLM_F_REPLACE needed to override" (exit 1), and `net heal` deleted the root qdisc of every host
 * whatever it was, that one included, while saying it removed faultline's faults.
 */
const LAB = 'flforgn';
const env = {
  FAULTLINE_LEDGER_DIR: tempDirectory('netlab-foreign-ledger'),
  FAULTLINE_STATE_DIR: tempDirectory('netlab-foreign-state'),
};
const inHost = (host: string, ...command: string[]) =>
  execFileSync('ip', ['netns', 'exec', `fl-${LAB}-${host}`, ...command], { encoding: 'utf8' });
const inSwitch = (...command: string[]) =>
  execFileSync('ip', ['netns', 'exec', `fl-${LAB}-sw`, ...command], { encoding: 'utf8' });
const hostRoot = (host: string) => inHost(host, 'tc', 'qdisc', 'show', 'dev', 'eth0', 'root');

after(async () => {
  await runCli(['net', 'destroy', LAB, '--force'], env);
});

describe('a qdisc added by hand in a lab host', () => {
  test('a limit or delay on it is refused, exit 2, and heal leaves it where faultline removes its own', async () => {
    const created = await runCli(['net', 'create', LAB, '--hosts', 'a,b'], env);
    assert.equal(created.code, 0, created.stderr);
    inHost(
      'b',
      'tc',
      'qdisc',
      'add',
      'dev',
      'eth0',
      'root',
      'handle',
      '5:',
      'tbf',
      'rate',
      '5mbit',
      'burst',
      '32kbit',
      'latency',
      '50ms',
    );
    const ownQueue = hostRoot('b');
    assert.match(ownQueue, /^qdisc tbf 5: root .*rate 5Mbit/);

    for (const args of [
      ['limit', LAB, 'b', '--rate', '1mbit'],
      ['delay', LAB, 'b', '--ms', '100'],
    ]) {
      const refused = await runCli(['net', ...args], env);
      assert.equal(refused.code, 2, `net ${args.join(' ')}: ${refused.stderr}`);
      assert.match(
        refused.stderr,
        new RegExp(
          `^faultline: host b in lab ${LAB} has a qdisc faultline did not add \\(qdisc tbf 5: root .*rate 5Mbit.*\\); a ${args[0]} would replace it, so nothing was changed\\. Remove it first if it should go \\(ip netns exec fl-${LAB}-b tc qdisc del dev eth0 root\\)\\n$`,
        ),
      );
    }
    assert.equal(hostRoot('b'), ownQueue);
    assert.doesNotMatch(
      inSwitch('tc', 'qdisc', 'show', 'dev', 'p2'),
      /tbf/,
      'no inbound limit was left behind',
    );

    const limited = await runCli(['net', 'limit', LAB, 'a', '--rate', '2mbit'], env);
    assert.equal(limited.code, 0, limited.stderr);
    const healed = await runCli(['net', 'heal', LAB], env);
    assert.equal(healed.code, 0, healed.stderr);
    assert.match(hostRoot('a'), /^qdisc noqueue 0: root/, "faultline's limit is gone");
    assert.doesNotMatch(inSwitch('tc', 'qdisc', 'show', 'dev', 'p1'), /tbf/, 'its inbound half too');
    assert.equal(hostRoot('b'), ownQueue, 'the qdisc added by hand is still there');
  });
});
