import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, startHarness, tempDirectory } from './helpers.js';

const harness = await startHarness();
const directory = tempDirectory('cli-apply-key-order');
const run = (args: string[]) => runCli(args, { FAULTLINE_URL: harness.url }, false);

test('headers or a match written in another key order are the same toxic: apply changes nothing and says so', async () => {
  const created = await harness.api('POST', '/proxies', {
    name: 'ordered',
    listen: '127.0.0.1:0',
    upstream: '127.0.0.1:9',
    protocol: 'http',
    toxics: [
      {
        name: 'abort',
        type: 'http_abort',
        attributes: {
          status: 500,
          headers: { 'X-Y': 'y', 'X-Z': 'z' },
          match: { method: ['GET'], path: '/x' },
        },
      },
    ],
  });
  assert.equal(created.status, 201, created.text);
  const path = join(directory, 'ordered.yaml');
  await writeFile(
    path,
    `- name: ordered
  listen: 127.0.0.1:0
  upstream: 127.0.0.1:9
  protocol: http
  toxics:
    - name: abort
      type: http_abort
      attributes: { match: { path: /x, method: GET }, status: 500, headers: { X-Z: z, X-Y: y } }
`,
  );
  assert.deepEqual(await run(['apply', '--dry-run', path]), {
    code: 0,
    stdout: `no changes: the server matches ${path}\n`,
    stderr: '',
  });
});

test("toxics in another order than the file's are put in its order, since a proxy's toxics apply in order", async () => {
  const created = await harness.api('POST', '/proxies', {
    name: 'chain',
    listen: '127.0.0.1:0',
    upstream: '127.0.0.1:9',
    toxics: [
      { name: 'slow', type: 'latency', attributes: { latency: 5 } },
      { name: 'cut', type: 'limit_data', attributes: { bytes: 100 } },
      { name: 'up', type: 'latency', stream: 'upstream', attributes: { latency: 1 } },
    ],
  });
  assert.equal(created.status, 201, created.text);
  const path = join(directory, 'chain.yaml');
  await writeFile(
    path,
    `- name: chain
  listen: 127.0.0.1:0
  upstream: 127.0.0.1:9
  toxics:
    - { name: cut, type: limit_data, attributes: { bytes: 100 } }
    - { name: slow, type: latency, attributes: { latency: 5 } }
    - { name: up, type: latency, stream: upstream, attributes: { latency: 1 } }
`,
  );
  const applied = await run(['apply', path]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(
    applied.stdout,
    `- toxic chain/slow (out of the file's order: added again)
- toxic chain/cut (out of the file's order: added again)
+ toxic chain/cut (limit_data, downstream)
+ toxic chain/slow (latency, downstream)
(4 changes made: 2 toxics added, 2 toxics removed)
`,
  );
  const names = (await harness.api('GET', '/proxies/chain/toxics')).json.map(
    (toxic: { name: string }) => toxic.name,
  );
  assert.deepEqual(names, ['up', 'cut', 'slow']);
  assert.equal((await run(['apply', path])).stdout, `no changes: the server matches ${path}\n`);
});
