import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { closedPort, createProxy, startHarness, waitFor } from './helpers.js';
import { collectEvents, h2get, startHttpUpstream } from './http-helpers.js';

/**
 * A fault that acts on the answer (a response http_delay, an http_modify that rewrites only the
 * response) has nothing to act on when no answer comes: the upstream could not be reached, or
 * the client left while a request delay held it. Such a fault is not reported as having acted,
 * neither in http.fault events nor in the metrics; what did act (the request delay, a request
 * header rewrite that went with the request) still is.
 */
const harness = await startHarness({ seed: 3 });
const events = collectEvents(harness);
const dead = `127.0.0.1:${await closedPort()}`;

const answerFaults = [
  { name: 'late', type: 'http_delay', attributes: { stage: 'response', delay: 1 } },
  { name: 'tag', type: 'http_modify', attributes: { response_headers: { 'x-tag': 'y' }, status: 201 } },
  { name: 'fwd', type: 'http_modify', attributes: { request_headers: { 'x-sent': 'y' } } },
  { name: 'slow', type: 'http_delay', attributes: { delay: 1 } },
];

async function addToxics(proxy: string, toxics: object[]) {
  for (const toxic of toxics) {
    const reply = await harness.api('POST', `/proxies/${proxy}/toxics`, toxic);
    assert.equal(reply.status, 200, reply.text);
  }
}

/** Each `faultline_toxic_actions_total` and `faultline_http_faults_total` series of a proxy, as "toxic N". */
async function counted(proxy: string): Promise<{ actions: string[]; faults: string[] }> {
  const lines = (await (await fetch(`${harness.url}/metrics`)).text()).split('\n');
  const of = (metric: string) =>
    lines
      .filter((line) => line.startsWith(`${metric}{proxy="${proxy}"`))
      .map((line) => {
        const outcome = /outcome="([^"]*)"/.exec(line)?.[1];
        const toxic = /toxic="(\w+)"/.exec(line)?.[1];
        return [toxic, outcome, line.split(' ').pop()].filter((part) => part !== undefined).join(' ');
      })
      .sort();
  return { actions: of('faultline_toxic_actions_total'), faults: of('faultline_http_faults_total') };
}

const faultsOn = (proxy: string) =>
  events
    .flatMap((event) => (event.type === 'http.fault' && event.proxy === proxy ? [event.toxic] : []))
    .sort();

describe('faults on the answer, when no answer came', () => {
  it('an upstream that cannot be reached: the 502 is no delayed or rewritten answer (http)', async () => {
    const proxy = await createProxy(harness, 'unreached', dead, { protocol: 'http' });
    await addToxics(proxy.name, answerFaults);
    const reply = await fetch(`http://127.0.0.1:${proxy.port}/x`);
    await reply.text();
    assert.equal(reply.status, 502);
    assert.equal(reply.headers.get('x-tag'), null);
    await waitFor(() => faultsOn(proxy.name).length >= 2, 'the http.fault events');
    assert.deepEqual(faultsOn(proxy.name), ['fwd', 'slow']);
    assert.deepEqual(await counted(proxy.name), {
      actions: ['fwd 1', 'late 0', 'slow 1', 'tag 0'],
      faults: ['fwd 502 1', 'slow 502 1'],
    });
  });

  it('an upstream that cannot be reached: the 502 is no delayed or rewritten answer (http2)', async () => {
    const proxy = await createProxy(harness, 'unreached2', dead, { protocol: 'http2' });
    await addToxics(proxy.name, answerFaults);
    const [status] = await h2get(proxy.port, '/x');
    assert.equal(status, 502);
    await waitFor(() => faultsOn(proxy.name).length >= 2, 'the http.fault events');
    assert.deepEqual(faultsOn(proxy.name), ['fwd', 'slow']);
    assert.deepEqual(await counted(proxy.name), {
      actions: ['fwd 1', 'late 0', 'slow 1', 'tag 0'],
      faults: ['fwd 502 1', 'slow 502 1'],
    });
  });

  it('a client that leaves while a request delay holds it: the answer faults never acted', async () => {
    const upstream = await startHttpUpstream();
    const proxy = await createProxy(harness, 'left', upstream.address, { protocol: 'http' });
    await addToxics(proxy.name, [
      { name: 'late', type: 'http_delay', attributes: { stage: 'response', delay: 1 } },
      { name: 'tag', type: 'http_modify', attributes: { response_headers: { 'x-tag': 'y' } } },
      { name: 'hold', type: 'http_delay', attributes: { delay: 60_000 } },
    ]);
    const request = http.get(`http://127.0.0.1:${proxy.port}/x`);
    request.on('error', () => undefined);
    const actions = () => harness.engine.get(proxy.name).stats().toxicActions.get('hold') ?? 0;
    await waitFor(() => actions() === 1, 'the delay to hold the request');
    request.destroy();
    await waitFor(() => faultsOn(proxy.name).length >= 1, 'the http.fault event');
    assert.deepEqual(faultsOn(proxy.name), ['hold']);
    assert.deepEqual(await counted(proxy.name), {
      actions: ['hold 1', 'late 0', 'tag 0'],
      faults: ['hold client left 1'],
    });
    assert.equal(upstream.seen.length, 0);
  });
});
