import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { after, test } from 'node:test';
import type { LedgerAccess } from '../src/model/halt.js';
import { startHarness } from './helpers.js';

/**
 * POST /halt interrupts the runs registered with it and spares their pids the ledger's SIGINT.
 * A client that registers a run under another user's pid must not keep halt from interrupting
 * that process: only a pid the registering connection's user owns is spared.
 */
const spared: (readonly number[])[] = [];
const ledger: LedgerAccess = {
  list: () => Promise.resolve([]),
  halt: ({ spare }) => {
    spared.push(spare);
    return Promise.resolve({ undone: [], left: [], failed: [] });
  },
};
const { port } = await startHarness({}, { ledger });

/** A script that registers a run claiming `pid`, and ends it when halt arrives. */
const registrar = (pid: number) => `
const http = require('node:http');
const request = http.request({ host: '127.0.0.1', port: ${port}, path: '/runs', method: 'POST' }, (response) => {
  let text = '';
  response.setEncoding('utf8');
  response.on('data', (chunk) => {
    text += chunk;
    if (text.includes('"id"') && !text.includes('registered')) { text += 'registered'; console.log('registered'); }
    if (text.includes('"halt"')) process.exit(0);
  });
});
request.end(JSON.stringify({ title: 'claims ${pid}', pid: ${pid} }));
`;

async function haltWithRegistrar(pid: number, uid?: number): Promise<readonly number[]> {
  const child = spawn(process.execPath, ['-e', registrar(pid)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  after(() => {
    if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
  });
  await once(child.stdout!, 'data');
  const halted = new Promise<void>((resolve, reject) => {
    const post = httpRequest({ host: '127.0.0.1', port, path: '/halt', method: 'POST' }, (response) => {
      response.resume();
      response.on('end', resolve);
    });
    post.on('error', reject);
    post.end();
  });
  await Promise.all([halted, once(child, 'exit')]);
  return spared.at(-1)!;
}

test("a run registered with its own pid is spared the ledger's SIGINT: halt interrupted it already", async () => {
  // The child claims the pid of this test process, which belongs to the same user.
  assert.deepEqual(await haltWithRegistrar(process.pid), [process.pid]);
});

test(
  "a run registered by another user under this user's pid spares nothing",
  { skip: process.getuid?.() !== 0 && 'needs root to start a process as nobody' },
  async () => {
    assert.deepEqual(await haltWithRegistrar(process.pid, 65534), []);
  },
);
