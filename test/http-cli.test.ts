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

  it('a --match key that holds one value, given twice, is a usage error rather than the last one kept', async () => {
    for (const [first, second, said] of [
      ['path=/a', 'path=/b', '--match path is given twice ("/a", then "/b")'],
      ['header.X-Env=a', 'header.x-env=b', '--match header.x-env is given twice ("a", then "b")'],
      ['query.q=1', 'query.q=2', '--match query.q is given twice ("1", then "2")'],
    ] as const) {
      const bad = await run(['toxic', 'add', 'api', '-t', 'http_delay', '--match', first, '--match', second]);
      assert.equal(bad.code, 2, bad.stderr);
      assert.ok(bad.stderr.includes(said), bad.stderr);
    }
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
  it('toxic update --match merges key by key, KEY= removes one, and the CLI prints the match that results', async () => {
    const created = await run([
      'create',
      'merge',
      '-l',
      '127.0.0.1:0',
      '-u',
      upstream.address,
      '--protocol',
      'http',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const add = ['toxic', 'add', 'merge', '-t', 'http_abort', '-n', 'narrow', '-a', 'status=502'];
    const added = await run([...add, '--match', 'client=10.0.0.0/8', '--match', 'method=POST,PUT']);
    assert.equal(added.code, 0, added.stderr);
    const narrowed = await run(['toxic', 'update', 'merge', '-n', 'narrow', '--match', 'client=127.0.0.1']);
    assert.equal(narrowed.code, 0, narrowed.stderr);
    assert.equal(
      narrowed.stdout,
      `Updated toxic 'narrow' on proxy 'merge'\nmatch: {"client":["127.0.0.1"],"method":["POST","PUT"]}\n`,
    );
    const listen = (await harness.api('GET', '/proxies/merge')).json.listen as string;
    const get = await request(`http://${listen}/x`);
    await get.body.text();
    const post = await request(`http://${listen}/x`, { method: 'POST', body: 'x' });
    await post.body.text();
    assert.deepEqual([get.statusCode, post.statusCode], [200, 502], 'a GET still passes: method was kept');
    const unmethod = await run(['toxic', 'update', 'merge', '-n', 'narrow', '--match', 'method=']);
    assert.equal(
      unmethod.stdout,
      `Updated toxic 'narrow' on proxy 'merge'\nmatch: {"client":["127.0.0.1"]}\n`,
    );
    const none = await run(['toxic', 'update', 'merge', '-n', 'narrow', '--match', 'client=']);
    assert.equal(
      none.stdout,
      `Updated toxic 'narrow' on proxy 'merge'\nmatch: none (the toxic applies to every request or connection)\n`,
    );
    const emptyOnAdd = await run(['toxic', 'add', 'merge', '-t', 'http_abort', '--match', 'method=']);
    assert.equal(emptyOnAdd.code, 2);
    assert.match(
      emptyOnAdd.stderr,
      /--match method= has no value: an empty value removes a key .* in toxic update/,
    );
  });

  it('toxic update -a body=null unsets the body, so json_patch can replace it in one call; "null" in quotes is text', async () => {
    const added = await run(['toxic', 'add', 'merge', '-t', 'http_modify', '-n', 'big', '-a', 'body=small']);
    assert.equal(added.code, 0, added.stderr);
    const swapped = await run([
      'toxic',
      'update',
      'merge',
      '-n',
      'big',
      '-a',
      'body=null',
      '-a',
      'json_patch={"x":1}',
    ]);
    assert.equal(swapped.code, 0, swapped.stderr);
    const toxic = (await harness.api('GET', '/proxies/merge/toxics/big')).json;
    assert.deepEqual([toxic.attributes.body, toxic.attributes.json_patch], [null, { x: 1 }]);
    const text = await run([
      'toxic',
      'update',
      'merge',
      '-n',
      'big',
      '-a',
      'json_patch=null',
      '-a',
      'body="null"',
    ]);
    assert.equal(text.code, 0, text.stderr);
    const after = (await harness.api('GET', '/proxies/merge/toxics/big')).json;
    assert.deepEqual([after.attributes.body, after.attributes.json_patch], ['null', null]);
    assert.equal((await harness.api('DELETE', '/proxies/merge')).status, 204);
  });

  it('-a body= and -a message= are text: a JSON body or a number is sent as written, not as an object or number', async () => {
    const created = await run([
      'create',
      'texts',
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
      'texts',
      '-t',
      'http_modify',
      '-n',
      'json',
      '-a',
      'body={"ok":true}',
    ]);
    assert.equal(added.code, 0, added.stderr);
    const number = await run(['toxic', 'add', 'texts', '-t', 'http_abort', '-n', 'num', '-a', 'body=42']);
    assert.equal(number.code, 0, number.stderr);
    const quoted = await run(['toxic', 'update', 'texts', '-n', 'json', '-a', 'body="{\\"a\\":1}"']);
    assert.equal(quoted.code, 0, quoted.stderr);
    const toxics = (await harness.api('GET', '/proxies/texts/toxics')).json as Array<{
      name: string;
      attributes: { body: unknown };
    }>;
    assert.deepEqual(
      toxics.map((toxic) => [toxic.name, toxic.attributes.body]),
      [
        ['json', '{"a":1}'],
        ['num', '42'],
      ],
    );
    assert.equal((await harness.api('DELETE', '/proxies/texts')).status, 204);
  });
});
