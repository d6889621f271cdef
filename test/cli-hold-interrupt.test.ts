import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { holdFor, withCliLedger } from '../src/cli/system-action.js';

test('a Ctrl-C while a held fault is being made ends its hold at once', { timeout: 60_000 }, async () => {
  const saved = process.env.FAULTLINE_LEDGER_DIR;
  process.env.FAULTLINE_LEDGER_DIR = mkdtempSync(join(tmpdir(), 'faultline-hold-'));
  const said: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    said.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  const listeners = process.listenerCount('SIGINT');
  let status: typeof process.exitCode;
  try {
    await withCliLedger(
      // The signal comes before the hold listens: the gap in which a Ctrl-C used to kill faultline
      // with the fault in place (process pause printed "paused", then listened).
      async () => {
        process.emit('SIGINT');
        return 'made';
      },
      // 30 s: without the interrupt the hold runs out and says "held for 30 s", which fails below.
      { hold: holdFor(30), report: () => {} },
    );
  } finally {
    // The interrupted hold sets the status faultline exits with; this test process must not.
    status = process.exitCode;
    process.exitCode = undefined;
    process.stderr.write = write;
    if (saved === undefined) delete process.env.FAULTLINE_LEDGER_DIR;
    else process.env.FAULTLINE_LEDGER_DIR = saved;
  }
  assert.match(said.join(''), /faultline: interrupted/);
  assert.equal(status, 130, 'interrupted, not held for its time');
  assert.equal(process.listenerCount('SIGINT'), listeners, 'the hold leaves no SIGINT listener behind');
});
