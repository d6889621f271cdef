import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ledgerFailure } from '../src/server/routes/halt.js';
import { runCli } from './helpers.js';

/** The state letter of /proc/PID/status: T while stopped. */
function processState(pid: number): string {
  return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
}

test(
  'faultline halt undoes the ledger itself when the server halted but could not undo the ledger',
  { skip: process.platform !== 'linux' && 'reads /proc', timeout: 60_000 },
  async () => {
    const ledgerDir = mkdtempSync(join(tmpdir(), 'faultline-halt-ledger-'));
    const env = { FAULTLINE_LEDGER_DIR: ledgerDir };
    const target = spawn('sleep', ['60'], { stdio: 'ignore' });
    // A server whose ledger step failed, as one does after faultline's files were replaced under it.
    const server = createServer((request, response) => {
      request.resume();
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          undone: [],
          failed: [{ kind: 'ledger', what: 'the ledger could not be read: Cannot find module' }],
        }),
      );
    }).listen(0, '127.0.0.1');
    try {
      await once(server, 'listening');
      const paused = await runCli(['process', 'pause', '--pid', String(target.pid)], env);
      assert.equal(paused.code, 0, paused.stderr);
      assert.equal(processState(target.pid!), 'T');

      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const halted = await runCli(['halt', '-h', url], env);
      assert.notEqual(processState(target.pid!), 'T', `still paused after: ${halted.stdout}${halted.stderr}`);
      assert.match(halted.stdout, /the server could not halt the ledger .*: halting from the ledger here/);
      assert.match(halted.stdout, /undone \(ledger\): undone: paused process \d+ \(sleep 60\)/);
      assert.equal(halted.code, 0, halted.stdout + halted.stderr);
    } finally {
      server.close();
      target.kill('SIGKILL');
    }
  },
);

test("the server's halt says to restart it when faultline's files were replaced under it", () => {
  const gone = Object.assign(new Error("Cannot find module './bundle-server-ledger-halt-X.cjs'"), {
    code: 'MODULE_NOT_FOUND',
  });
  assert.match(
    ledgerFailure(gone),
    /^the ledger could not be read: Cannot find module .*: restart the server$/,
  );
  assert.equal(
    ledgerFailure(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })),
    'the ledger could not be read: EACCES: permission denied',
  );
});
