import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runUndo } from '../src/system/netlab.js';

/** A command that fails the way tc or ip does, with this text on stderr. */
const failing = (stderr: string): string[] => ['sh', '-c', `echo '${stderr}' >&2; exit 2`];

test('an undo command that finds its qdisc, filter or namespace gone counts as already undone', () => {
  const removed = runUndo([
    failing('Error: Invalid handle.'),
    failing('Error: Cannot find specified qdisc on specified device.'),
    failing("Error: Parent Qdisc doesn't exists."),
    failing('Error: Specified class not found.'),
    failing('Cannot open network namespace "fl-gone-a": No such file or directory'),
    ['true'],
  ]);
  assert.equal(removed, 1);
});

test('an undo command that fails for another reason is an error, after the others have run', () => {
  const ran: string[] = [];
  assert.throws(
    () =>
      runUndo([
        ['sh', '-c', 'echo first > /dev/null'],
        failing('RTNETLINK answers: Operation not permitted'),
        failing('Error: Invalid handle.'),
      ]),
    (error: Error) => {
      ran.push(error.message);
      return /RTNETLINK answers: Operation not permitted: the fault may still be in place$/.test(
        error.message,
      );
    },
  );
  assert.equal(ran.length, 1);
  assert.doesNotMatch(ran[0]!, /Invalid handle/, 'what was gone is not called a failure');
});

test('a missing tc is a failure, not "already gone"', () => {
  assert.throws(
    () => runUndo([['faultline-no-such-binary-4411', 'qdisc', 'del']]),
    /faultline-no-such-binary-4411 qdisc del failed: .*ENOENT.*: the fault may still be in place/,
  );
});
