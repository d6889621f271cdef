import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { Toxiproxy } from 'toxiproxy-node-client';
import { canConnect, connect, freePort, readBytes, startEchoServer, startHarness } from './helpers.js';

const harness = await startHarness();
const echo = await startEchoServer();

describe('toxiproxy-node-client 4.x drives faultline unchanged', () => {
  const client = new Toxiproxy(harness.url);

  test('version, create, get, getAll, update, remove', async () => {
    assert.match(await client.getVersion(), /"version": "2\.12\.0"/);
    const proxy = await client.createProxy({
      name: 'node_client',
      listen: '127.0.0.1:0',
      upstream: echo.address,
    });
    assert.equal(proxy.name, 'node_client');
    assert.match(proxy.listen, /^127\.0\.0\.1:\d+$/);
    assert.equal((await client.get('node_client')).upstream, echo.address);
    assert.ok('node_client' in (await client.getAll()));
    const disabled = await proxy.update({ ...proxy.toJson(), enabled: false });
    assert.equal(disabled.enabled, false);
    await (await client.get('node_client')).update({ ...proxy.toJson(), enabled: true });
    await proxy.remove();
    await assert.rejects(client.get('node_client'), {
      name: 'Error',
      message: 'Request failed with status code 404',
    });
  });

  test('toxics: add, get, update with the whole toxic, remove, with traffic in between', async () => {
    const proxy = await client.createProxy({
      name: 'node_toxics',
      listen: '127.0.0.1:0',
      upstream: echo.address,
    });
    const port = Number(proxy.listen.split(':').pop());
    const toxic = await proxy.addToxic({
      name: 'slow',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 40, jitter: 0 },
    } as never);
    assert.deepEqual(toxic.attributes, { latency: 40, jitter: 0 });
    const socket = await connect(port);
    const started = performance.now();
    socket.write('hi');
    await readBytes(socket, 2);
    assert.ok(performance.now() - started >= 40);
    const fetched = await proxy.getToxic('slow');
    const updated = await fetched.update({
      ...fetched.toJson(),
      attributes: { latency: 1, jitter: 0 },
    } as never);
    assert.equal((updated.attributes as { latency: number }).latency, 1);
    await updated.remove();
    assert.deepEqual((await client.get('node_toxics')).toJson().name, 'node_toxics');
    socket.destroy();
  });

  test('populate and reset', async () => {
    const proxies = await client.populate([
      { name: 'pop_a', listen: '127.0.0.1:0', upstream: echo.address },
      { name: 'pop_b', listen: '127.0.0.1:0', upstream: echo.address },
    ]);
    assert.deepEqual(Object.keys(proxies).sort(), ['pop_a', 'pop_b']);
    await proxies.pop_a!.addToxic({ type: 'timeout', attributes: { timeout: 0 } } as never);
    await client.reset();
    assert.deepEqual((await harness.api('GET', '/proxies/pop_a/toxics')).json, []);
  });

  test("@testcontainers/toxiproxy's createProxy and setEnabled, with a live connection", async () => {
    // @testcontainers/toxiproxy 12.1 wraps this client (its own module needs Node 22): it reads
    // the ports in use from getAll() (after the last ':'), creates the proxy on 0.0.0.0:PORT, and
    // setEnabled posts {enabled, listen, upstream} to the proxy.
    const port = await freePort();
    const used = Object.values(await client.getAll()).map((proxy) =>
      Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1)),
    );
    assert.ok(used.every(Number.isInteger), 'every listen ends in its port');
    const listen = `0.0.0.0:${port}`;
    const proxy = await client.createProxy({ name: 'tc_redis', upstream: echo.address, listen });
    assert.equal(proxy.listen, listen, 'the port it asked for, under the address it gave');
    const setEnabled = (enabled: boolean) => proxy.update({ enabled, listen, upstream: echo.address });

    const socket = await connect(port);
    socket.write('hi');
    assert.equal((await readBytes(socket, 2)).toString(), 'hi');
    const closed = once(socket, 'close');
    const off = await setEnabled(false);
    assert.deepEqual(off.toJson(), { enabled: false, listen, name: 'tc_redis', upstream: echo.address });
    await closed;
    assert.equal(await canConnect(port), false, 'disabled: the port is closed');

    const on = await setEnabled(true);
    assert.deepEqual(on.toJson(), { enabled: true, listen, name: 'tc_redis', upstream: echo.address });
    const again = await connect(port);
    again.write('ok');
    assert.equal((await readBytes(again, 2)).toString(), 'ok', 'enabled again on the same port');
    again.destroy();
    await proxy.remove();
  });

  test('errors surface as rejections', async () => {
    await assert.rejects(client.createProxy({ name: '', listen: '127.0.0.1:0', upstream: echo.address }), {
      name: 'Error',
      message: 'Request failed with status code 400',
    });
  });
});

describe("toxiproxy-cli's HTTP calls (Go client, spec §4 and §7) replayed byte for byte", () => {
  const cli = { 'User-Agent': 'toxiproxy-cli/2.12.0 (linux/amd64)', 'Content-Type': 'application/json' };

  test('create, toggle (GET then POST of the whole proxy), inspect, delete', async () => {
    const created = await harness.api(
      'POST',
      '/proxies',
      { name: 'go_cli', listen: '127.0.0.1:0', upstream: echo.address, enabled: true },
      cli,
    );
    assert.equal(created.status, 201);
    const current = (await harness.api('GET', '/proxies/go_cli', undefined, cli)).json;
    const toggled = await harness.api(
      'POST',
      '/proxies/go_cli',
      { ...current, enabled: !current.enabled },
      cli,
    );
    assert.equal(toggled.status, 200, toggled.text);
    assert.equal(toggled.json.enabled, false);
    assert.equal((await harness.api('DELETE', '/proxies/go_cli', undefined, cli)).status, 204);
  });

  test('toxic add, update (PATCH with toxicity 1.0), remove', async () => {
    await harness.api(
      'POST',
      '/proxies',
      { name: 'go_toxics', listen: '127.0.0.1:0', upstream: echo.address },
      cli,
    );
    const added = await harness.api(
      'POST',
      '/proxies/go_toxics/toxics',
      {
        name: 'lat',
        type: 'latency',
        stream: 'upstream',
        toxicity: 1,
        attributes: { latency: 1000, jitter: 10 },
      },
      cli,
    );
    assert.equal(added.status, 200, added.text);
    const updated = await harness.api(
      'PATCH',
      '/proxies/go_toxics/toxics/lat',
      { attributes: { latency: 5 }, toxicity: 1.0 },
      cli,
    );
    assert.deepEqual(updated.json.attributes, { latency: 5, jitter: 10 });
    assert.equal((await harness.api('DELETE', '/proxies/go_toxics/toxics/lat', undefined, cli)).status, 204);
  });

  test("the Go client's Save posts the whole proxy back, Logger and toxics included", async () => {
    await harness.api(
      'POST',
      '/proxies',
      { name: 'go_save', listen: '127.0.0.1:0', upstream: echo.address },
      cli,
    );
    await harness.api('POST', '/proxies/go_save/toxics', { type: 'noop' }, cli);
    const whole = (await harness.api('GET', '/proxies/go_save', undefined, cli)).json;
    const saved = await harness.api('POST', '/proxies/go_save', { ...whole, upstream: echo.address }, cli);
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.json.toxics.length, 1, 'toxics in an update body are ignored, as in Toxiproxy');
  });
});
