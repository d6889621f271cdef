import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { runCli, tempDirectory } from './helpers.js';

/**
 * `net create` checked only for the lab's switch namespace. A namespace of one of its hosts left
 * there (by an earlier lab, a crashed run, a lab made under another state directory) made the
 * creation fail half-way with ip's "File exists", and the cleanup of the failure then deleted
 * every fl-LAB-* namespace, the one it had not made included, with whatever it held.
 */
const LAB = 'flleft';
const namespaces = () =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => name.startsWith(`fl-${LAB}-`))
    .sort();
const env = {
  FAULTLINE_LEDGER_DIR: tempDirectory('netlab-leftover-ledger'),
  FAULTLINE_STATE_DIR: tempDirectory('netlab-leftover-state'),
};
after(() => {
  for (const namespace of namespaces()) execFileSync('ip', ['netns', 'del', namespace]);
});

describe('net create over what is left of a lab', () => {
  test('a host namespace there already is refused up front, named, and left alone', async () => {
    execFileSync('ip', ['netns', 'add', `fl-${LAB}-b`]);
    const created = await runCli(['net', 'create', LAB, '--hosts', 'a,b'], env);
    assert.equal(created.code, 2, created.stderr);
    assert.equal(
      created.stderr,
      `faultline: lab ${LAB} exists already, or what is left of one: namespace fl-${LAB}-b; "faultline net destroy ${LAB}" removes it (nothing was created)\n`,
    );
    assert.deepEqual(namespaces(), [`fl-${LAB}-b`]);
    const destroyed = await runCli(['net', 'destroy', LAB], env);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.deepEqual(namespaces(), []);
  });
});
