import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { describe as describeEvent } from '../src/cli/watch-command.js';
import type { FaultProxy } from '../src/proxy/proxy.js';
import { createProxy, startHarness, waitFor } from './helpers.js';
import { collectEvents, startHttpUpstream } from './http-helpers.js';

// Halt is the kill switch and reset the between-tests call: neither may leave a request held
// by a delay (a toxic's or a header's) to wait out its time, nor let it meet its abort after.
const harness = await startHarness({ seed: 3 });
const upstream = await startHttpUpstream();

const heldOn = (name: string) => () => (harness.engine.get(name) as FaultProxy).heldRequests === 1;
const HOLD_AND_FAIL = { 'x-faultline-delay': '60000', 'x-faultline-abort': '503' };

describe('halt and reset release what delays hold', () => {
  it('halt releases a header-delayed request, which goes upstream unfaulted, and switches header faults off', async () => {
    const proxy = await createProxy(harness, 'halted', upstream.address, {
      protocol: 'http',
      header_faults: true,
    });
    const origin = `http://127.0.0.1:${proxy.port}`;
    assert.equal((await harness.api('GET', '/proxies/halted')).json.header_faults, true);
    const held = request(`${origin}/held`, { headers: HOLD_AND_FAIL });
    await waitFor(heldOn('halted'), 'the request to be held');
    const halt = await harness.api('POST', '/halt');
    assert.equal(halt.status, 200, halt.text);
    assert.deepEqual(halt.json, {
      undone: [
        { kind: 'toxic', what: 'switched header-driven faults off on proxy halted (header_faults: false)' },
        {
          kind: 'toxic',
          what: "released 1 request that a delay (a toxic's or a header's) held on proxy halted: it goes on with no further fault",
        },
      ],
      left: [],
      failed: [],
    });
    const reply = await held;
    assert.equal(reply.statusCode, 200);
    assert.equal(await reply.body.text(), 'ok GET /held');
    const upstreamSaw = upstream.seen.find((seen) => seen.url === '/held')?.headers ?? {};
    assert.deepEqual(
      Object.keys(upstreamSaw).filter((name) => name.startsWith('x-faultline-')),
      [],
      'the fault headers the request was planned with reached the upstream',
    );
    // Left out of the proxy's JSON when off, as every faultline-only key is.
    assert.equal(Object.hasOwn((await harness.api('GET', '/proxies/halted')).json, 'header_faults'), false);
    // Off means off: the header is now an ordinary one, passed to the upstream.
    const after = await request(`${origin}/after`, { headers: { 'x-faultline-abort': '503' } });
    assert.equal(after.statusCode, 200);
    await after.body.text();
    assert.equal(upstream.seen.at(-1)?.headers['x-faultline-abort'], '503');
  });

  it('reset releases a request a delay toxic holds, without the abort toxic behind it, and keeps header_faults', async () => {
    const proxy = await createProxy(harness, 'reset', upstream.address, {
      protocol: 'http',
      header_faults: true,
    });
    const origin = `http://127.0.0.1:${proxy.port}`;
    for (const toxic of [
      { name: 'slow', type: 'http_delay', attributes: { delay: 60000 } },
      { name: 'fail', type: 'http_abort', attributes: { status: 500 } },
    ]) {
      assert.equal((await harness.api('POST', '/proxies/reset/toxics', toxic)).status, 200);
    }
    const byToxic = request(`${origin}/by-toxic`);
    await waitFor(heldOn('reset'), 'the request to be held by the toxic');
    assert.equal((await harness.api('POST', '/reset')).status, 204);
    const toxicReply = await byToxic;
    assert.equal(toxicReply.statusCode, 200);
    assert.equal(await toxicReply.body.text(), 'ok GET /by-toxic');

    const byHeader = request(`${origin}/by-header`, { headers: HOLD_AND_FAIL });
    await waitFor(heldOn('reset'), 'the request to be held by its header');
    assert.equal((await harness.api('POST', '/reset')).status, 204);
    const headerReply = await byHeader;
    assert.equal(headerReply.statusCode, 200);
    assert.equal(await headerReply.body.text(), 'ok GET /by-header');
    // header_faults is the proxy's setting, not a fault: the next test's requests may still ask.
    const asked = await request(`${origin}/asked`, { headers: { 'x-faultline-abort': '418' } });
    assert.equal(asked.statusCode, 418);
    await asked.body.text();
    assert.equal((await harness.api('DELETE', '/proxies/reset')).status, 204);
  });

  it('halt releases an answer a response delay holds and sends it without the rewrite', async () => {
    const proxy = await createProxy(harness, 'answer', upstream.address, { protocol: 'http' });
    for (const toxic of [
      { name: 'late', type: 'http_delay', attributes: { stage: 'response', delay: 60000 } },
      { name: 'teapot', type: 'http_modify', attributes: { status: 418, body: 'rewritten' } },
    ]) {
      assert.equal((await harness.api('POST', '/proxies/answer/toxics', toxic)).status, 200);
    }
    const held = request(`http://127.0.0.1:${proxy.port}/late`);
    await waitFor(heldOn('answer'), 'the answer to be held');
    const halt = await harness.api('POST', '/halt');
    assert.deepEqual(
      halt.json.undone.map((item: { what: string }) => item.what),
      [
        "released 1 request that a delay (a toxic's or a header's) held on proxy answer: it goes on with no further fault",
        'removed the http_delay toxic late on proxy answer',
        'removed the http_modify toxic teapot on proxy answer',
      ],
    );
    const reply = await held;
    assert.equal(reply.statusCode, 200);
    assert.equal(await reply.body.text(), 'ok GET /late');
  });
});

describe('a client that leaves while a delay holds it', () => {
  const leaveWhileHeld = async (proxyName: string, port: number, path: string, headers = '') => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n${headers}\r\n`);
    await waitFor(heldOn(proxyName), `${path} to be held`);
    socket.destroy();
  };

  it('leaves an http.fault event and a metric saying the client left, and nothing reaches the upstream', async () => {
    const events = collectEvents(harness);
    const asked = await createProxy(harness, 'left', upstream.address, {
      protocol: 'http',
      header_faults: true,
    });
    const toxic = await createProxy(harness, 'leftLate', upstream.address, { protocol: 'http' });
    const late = { name: 'late', type: 'http_delay', attributes: { stage: 'response', delay: 60000 } };
    assert.equal((await harness.api('POST', '/proxies/leftLate/toxics', late)).status, 200);
    const seenBefore = upstream.seen.length;
    await leaveWhileHeld('left', asked.port, '/gone', 'x-faultline-delay: 60000\r\n');
    await leaveWhileHeld('leftLate', toxic.port, '/answered');
    const faults = () => events.filter((event) => event.type === 'http.fault');
    await waitFor(() => faults().length === 2, 'two http.fault events');
    const [header, answer] = faults().map((event) => {
      assert.equal(event.type, 'http.fault');
      const { clientLeftAfterMs, connection, ...rest } = event as typeof event & {
        clientLeftAfterMs: number;
      };
      assert.ok(clientLeftAfterMs >= 0 && clientLeftAfterMs < 60000, `held ${clientLeftAfterMs} ms`);
      assert.equal(typeof connection, 'number');
      return rest;
    });
    assert.deepEqual(header, {
      type: 'http.fault',
      proxy: 'left',
      toxic: 'x-faultline-delay',
      toxicType: 'header',
      method: 'GET',
      path: '/gone',
      action: 'delay_request',
    });
    assert.deepEqual(answer, {
      type: 'http.fault',
      proxy: 'leftLate',
      toxic: 'late',
      toxicType: 'http_delay',
      method: 'GET',
      path: '/answered',
      action: 'delay_response',
    });
    // The held request never went upstream; the held answer's request did.
    assert.deepEqual(
      upstream.seen.slice(seenBefore).map((seen) => seen.url),
      ['/answered'],
    );
    const heldFor = faults()[0] as { clientLeftAfterMs: number };
    const line = describeEvent({ time: '2026-01-01T00:00:00.000Z', data: faults()[0] } as never);
    assert.match(
      line,
      new RegExp(
        `left\\s+GET /gone: the client left after ${heldFor.clientLeftAfterMs} ms \\(header x-faultline-delay\\)$`,
      ),
    );
    const metrics = (await harness.api('GET', '/metrics')).text;
    assert.match(
      metrics,
      /^faultline_http_faults_total\{proxy="left",toxic="x-faultline-delay",type="header",method="GET",outcome="client left"\} 1$/m,
    );
    assert.match(
      metrics,
      /^faultline_http_faults_total\{proxy="leftLate",toxic="late",type="http_delay",method="GET",outcome="client left"\} 1$/m,
    );
  });
});

describe('header-driven faults meet toxics', () => {
  it("the header's answer wins over an http_abort toxic; a bad or unknown fault header is a 400 before any toxic", async () => {
    const proxy = await createProxy(harness, 'both', upstream.address, {
      protocol: 'http',
      header_faults: true,
    });
    const fail = { name: 'fail', type: 'http_abort', attributes: { status: 500 } };
    assert.equal((await harness.api('POST', '/proxies/both/toxics', fail)).status, 200);
    const origin = `http://127.0.0.1:${proxy.port}`;
    const ask = async (headers: Record<string, string>) => {
      const reply = await request(`${origin}/asked`, { headers });
      return [reply.statusCode, await reply.body.text()];
    };
    const seenBefore = upstream.seen.length;
    assert.deepEqual(await ask({ 'x-faultline-abort': '418' }), [
      418,
      'faultline: answered 418 because the request asked for it with x-faultline-abort\n',
    ]);
    assert.deepEqual(await ask({ 'x-faultline-abort': '4180' }), [
      400,
      'faultline: invalid x-faultline-abort header: received "4180"; expected an HTTP status from 200 to 599 (header-driven faults are on for this proxy)\n',
    ]);
    assert.deepEqual(await ask({ 'x-faultline-abrot': '503' }), [
      400,
      'faultline: unknown header x-faultline-abrot (received "503"): header-driven faults are on for this proxy, and they are x-faultline-abort, x-faultline-grpc-status, x-faultline-delay, x-faultline-throughput, x-faultline-abort-percentage, x-faultline-delay-percentage, x-faultline-throughput-percentage; correct the name, or send it to a proxy without header_faults to pass it to the upstream\n',
    ]);
    assert.deepEqual(await ask({}), [500, '']);
    assert.equal(upstream.seen.length, seenBefore);
  });
});
