import assert from 'node:assert/strict';
import { once } from 'node:events';
import { linkSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { verifyWrites } from '../src/system/etcd-writer.js';
import { closedPort, runCli, tempDirectory } from './helpers.js';

/** The writer and its verdict, without etcd: nothing acknowledged is nothing measured. */
const directory = tempDirectory('etcd-writer');

test('a writer that got no write acknowledged exits 1 and says why, not 0 as a clean run', async () => {
  const endpoint = `http://127.0.0.1:${await closedPort()}`;
  const log = join(directory, 'refused.jsonl');
  const result = await runCli(
    ['etcd', 'writer', '--endpoints', endpoint, '--log', log, '-t', '1'],
    {},
    false,
  );
  assert.equal(result.code, 1, result.stderr);
  const attempts = readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
  assert.ok(attempts > 0);
  assert.equal(result.stdout, `0 of ${attempts} writes acknowledged\n`);
  assert.match(
    result.stderr,
    new RegExp(
      `^faultline: no write was acknowledged \\(the last: etcd /v3/kv/put on ${endpoint}: .+\\), so nothing was measured; check the endpoints \\(client URLs such as http://127\\.0\\.0\\.1:2379\\) and that the cluster has a leader\\n$`,
    ),
  );
});

test('a writer whose writes etcd acknowledges exits 0', async () => {
  // etcd's v3 HTTP gateway, as far as a put goes.
  const gateway = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.end(JSON.stringify({ header: { revision: '1' } })));
  });
  gateway.listen(0, '127.0.0.1');
  await once(gateway, 'listening');
  after(() => gateway.close());
  const endpoint = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  const log = join(directory, 'acknowledged.jsonl');
  const result = await runCli(
    ['etcd', 'writer', '--endpoints', endpoint, '--log', log, '-t', '1'],
    {},
    false,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^(\d+) of \1 writes acknowledged\n$/);
  assert.equal(result.stderr, '');
});

test('verify_writes refuses a log with no acknowledged write: "0 lost" of nothing would pass a hypothesis', async () => {
  const log = join(directory, 'failed-only.jsonl');
  const failed = {
    seq: 1,
    key: 'k/00000001',
    ok: false,
    at: 1,
    ms: 1,
    endpoint: 'http://127.0.0.1:9',
    error: 'x',
  };
  writeFileSync(log, `${JSON.stringify(failed)}\n`);
  await assert.rejects(verifyWrites(log, [`http://127.0.0.1:${await closedPort()}`], 'k/'), {
    message: `no write in ${log} was acknowledged (1 attempts logged), so there is nothing to verify; check that the writer (faultline etcd writer) runs, on this log, and reaches etcd`,
  });
});

test('a writer whose --log is a symbolic link or has another name refuses it and writes nothing through it', async () => {
  // Run as root with --log in a shared directory (/tmp), a link planted there named any file.
  const endpoint = `http://127.0.0.1:${await closedPort()}`;
  const victim = join(directory, 'victim.txt');
  writeFileSync(victim, 'precious\n');
  const linked = join(directory, 'linked.jsonl');
  symlinkSync(victim, linked);
  const symbolic = await runCli(
    ['etcd', 'writer', '--endpoints', endpoint, '--log', linked, '-t', '1'],
    {},
    false,
  );
  assert.notEqual(symbolic.code, 0);
  assert.match(symbolic.stderr, /symbolic link/);
  const hard = join(directory, 'hard.jsonl');
  linkSync(victim, hard);
  const twoNames = await runCli(
    ['etcd', 'writer', '--endpoints', endpoint, '--log', hard, '-t', '1'],
    {},
    false,
  );
  assert.notEqual(twoNames.code, 0);
  assert.match(twoNames.stderr, /2 names \(hard links\)/);
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
  assert.equal(symbolic.stdout + twoNames.stdout, '');
});
