import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, describe, it } from 'node:test';
import type { EngineEvent } from '../src/model/events.js';
import type { FaultProxy } from '../src/proxy/proxy.js';
import { startHarness, waitFor } from './helpers.js';
import { collectEvents } from './http-helpers.js';
import { nextOpenCall, openCallsUpstream, ordersClient, watchCall } from './grpc-helpers.js';

const harness = await startHarness({ seed: 11 });
const events = collectEvents(harness);
/** The upstream's streams: answered with headers and one message, left open for the test to cut. */
const { proxy, open } = await openCallsUpstream(harness, 'held');
const grpcClient = ordersClient(proxy.port);

/** Holds the next answer 60 s, cuts it upstream with `cut`, then lets the hold end (the toxic removed). */
async function cutWhileHeld(cut: (upstream: http2.ServerHttp2Stream) => void): Promise<void> {
  const added = await harness.api('POST', '/proxies/held/toxics', {
    name: 'late',
    type: 'http_delay',
    attributes: { stage: 'response', delay: 60000 },
  });
  assert.equal(added.status, 200, added.text);
  await waitFor(() => (harness.engine.get('held') as FaultProxy).heldRequests === 1, 'the answer held');
  const upstream = open.shift()!;
  const session = upstream.session!;
  cut(upstream);
  // The upstream's PING is answered once the proxy has read what came before it: the cut. (A
  // lost connection the proxy may see after the hold ends: the client gets the same then.)
  if (!session.destroyed) await new Promise((resolve) => session.ping(resolve));
  assert.equal((await harness.api('DELETE', '/proxies/held/toxics/late')).status, 204);
}

const lastOf = <T extends EngineEvent['type']>(type: T) =>
  events.findLast((event): event is Extract<EngineEvent, { type: T }> => event.type === type);

describe('the upstream cuts its answer after its headers while a response http_delay holds them', () => {
  it("a gRPC call gets the headers, then the upstream's RST_STREAM code, reported as the upstream's cut", async () => {
    const { outcome } = watchCall(grpcClient);
    await cutWhileHeld((upstream) => upstream.close(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM));
    // grpc-js reads ENHANCE_YOUR_CALM as RESOURCE_EXHAUSTED: the upstream's code reached it, not a 502.
    assert.match(await outcome, /^8 Bandwidth exhausted/);
    await waitFor(() => lastOf('http.upstream_failed') !== undefined, 'the cut reported');
    const failed = lastOf('http.upstream_failed')!;
    assert.equal(failed.status, 200);
    assert.equal(failed.cut, true);
    assert.match(failed.error, /the upstream reset the stream with ENHANCE_YOUR_CALM/);
    const fault = lastOf('http.fault')!;
    assert.equal(fault.toxic, 'late');
    assert.equal(fault.status, 200);
    assert.equal(fault.cut, true);
  });

  it('a gRPC call whose body a toxic replaces gets UNAVAILABLE saying the upstream cut its answer, as when the cut comes while the body is read', async () => {
    const modify = await harness.api('POST', '/proxies/held/toxics', {
      name: 'swap',
      type: 'http_modify',
      attributes: { body: 'x' },
    });
    assert.equal(modify.status, 200, modify.text);
    const { outcome } = watchCall(grpcClient);
    await cutWhileHeld((upstream) => upstream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    assert.equal((await harness.api('DELETE', '/proxies/held/toxics/swap')).status, 204);
    assert.match(await outcome, /^14 faultline: the upstream \S+ cut its answer \(ERR_HTTP2_STREAM_ERROR/);
    assert.equal(lastOf('http.upstream_failed')?.status, 502);
  });

  it('without the delay too: a gRPC call whose body a toxic replaces, cut while it is read, gets UNAVAILABLE saying so', async () => {
    const modify = await harness.api('POST', '/proxies/held/toxics', {
      name: 'swap',
      type: 'http_modify',
      attributes: { body: 'x' },
    });
    assert.equal(modify.status, 200, modify.text);
    const { outcome } = watchCall(grpcClient);
    (await nextOpenCall(open)).close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    assert.match(await outcome, /^14 faultline: the upstream \S+ cut its answer \(ERR_HTTP2_STREAM_ERROR/);
    assert.equal((await harness.api('DELETE', '/proxies/held/toxics/swap')).status, 204);
  });

  it("a lost upstream connection resets the client's stream after the headers with INTERNAL_ERROR, said so", async () => {
    const before = events.length;
    const client = http2.connect(`http://127.0.0.1:${proxy.port}`);
    after(() => client.close());
    const stream = client.request({
      ':method': 'POST',
      ':path': '/shop.Orders/Watch',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.end(Buffer.from([0, 0, 0, 0, 0]));
    let status: unknown;
    stream.on('response', (headers) => (status = headers[':status']));
    stream.on('error', () => undefined);
    const closed = new Promise((resolve) => stream.on('close', resolve));
    await cutWhileHeld((upstream) => upstream.session!.destroy());
    await closed;
    assert.equal(status, 200);
    assert.equal(stream.rstCode, http2.constants.NGHTTP2_INTERNAL_ERROR);
    await waitFor(
      () => events.slice(before).some((event) => event.type === 'http.upstream_failed'),
      'the cut',
    );
    assert.match(lastOf('http.upstream_failed')!.error, /the connection to the upstream closed/);
  });
});
