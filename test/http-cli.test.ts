import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { runCli, startHarness, tempDirectory } from './helpers.js';
import { startHttpUpstream } from './http-helpers.js';

const harness = await startHarness();
const upstream = await startHttpUpstream();
const run = (args: string[]) => runCli(args, { FAULTLINE_URL: harness.url });

describe('CLI: HTTP proxies and toxics', () => {
  it('create --protocol http, toxic add with --match and --first: exactly the first 3 POSTs fail', async () => {
    const created = await run([
      'create',
      'api',
      '-l',
      '127.0.0.1:0',
      '-u',
      upstream.address,
      '--protocol',
      'http',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const added = await run([
      'toxic',
      'add',
      'api',
      '-t',
      'http_abort',
      '-n',
      'orders_fail',
      '-a',
      'status=503',
      '-a',
      'headers={"retry-after":"1"}',
      '--match',
      'method=POST',
      '--match',
      'path=/v1/orders/*',
      '--match',
      'header.x-team=checkout',
      '--first',
      '3',
    ]);
    assert.equal(added.code, 0, added.stderr);
    const toxic = (await harness.api('GET', '/proxies/api/toxics/orders_fail')).json;
    assert.deepEqual(toxic.attributes, {
      action: 'respond',
      status: 503,
      body: '',
      headers: { 'retry-after': '1' },
      match: { method: ['POST'], path: '/v1/orders/*', headers: { 'x-team': 'checkout' } },
      first: 3,
    });
    const listen = (await harness.api('GET', '/proxies/api')).json.listen as string;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const reply = await request(`http://${listen}/v1/orders/${i}`, {
        method: 'POST',
        body: '{}',
        headers: { 'x-team': 'checkout' },
      });
      statuses.push(reply.statusCode);
      await reply.body.text();
    }
    assert.deepEqual(statuses, [503, 503, 503, 200]);
    const inspected = await run(['inspect', 'api']);
    assert.match(
      inspected.stdout,
      /match=\{"method":\["POST"\],"path":"\/v1\/orders\/\*","headers":\{"x-team":"checkout"\}\}/,
    );
  });

  it('an unknown --match key is a usage error naming the accepted keys', async () => {
    const bad = await run(['toxic', 'add', 'api', '-t', 'http_delay', '--match', 'verb=GET']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--match has no key "verb"; accepted: method=POST\[,PUT\], path=GLOB/);
  });

  it('export then apply re-creates the proxy with protocol, header_faults, match and counters; a second apply changes nothing', async () => {
    const updated = await harness.api('POST', '/proxies/api', { header_faults: true });
    assert.equal(updated.status, 200, updated.text);
    const exported = await run(['export']);
    assert.equal(exported.code, 0, exported.stderr);
    const file = join(tempDirectory('http-export'), 'proxies.yaml');
    writeFileSync(file, exported.stdout);
    assert.match(readFileSync(file, 'utf8'), /protocol: http\n/);
    const before = (await harness.api('GET', '/proxies/api')).json;
    assert.equal((await harness.api('DELETE', '/proxies/api')).status, 204);
    const applied = await run(['apply', file]);
    assert.equal(applied.code, 0, applied.stderr);
    const after = (await harness.api('GET', '/proxies/api')).json;
    assert.deepEqual({ ...after, listen: '' }, { ...before, listen: '' });
    const again = await run(['apply', file]);
    assert.equal(again.stdout, `no changes: the server matches ${file}\n`);
  });
});
