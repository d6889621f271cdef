import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '../src/model/events.js';
import { describe as describeWatchLine } from '../src/cli/watch-command.js';
import { startHarness, waitFor } from './helpers.js';
import { collectEvents } from './http-helpers.js';
import {
  finishCall,
  nextOpenCall,
  openCallsUpstream,
  orderFrame,
  ordersClient,
  watchCall,
} from './grpc-helpers.js';

const harness = await startHarness({ seed: 5 });
const events = collectEvents(harness);
const { proxy, open, paths: upstreamCalls } = await openCallsUpstream(harness, 'shop');
const client = ordersClient(proxy.port);

function streamEvent<T extends 'stream.opened' | 'stream.closed'>(
  type: T,
  streamId: number,
): Extract<EngineEvent, { type: T }> | undefined {
  return events.find(
    (event): event is Extract<EngineEvent, { type: T }> => event.type === type && event.streamId === streamId,
  );
}

/** Waits for the stream.opened of the next long call, and returns its stream id. */
async function announced(): Promise<number> {
  const seen = new Set(events.flatMap((event) => (event.type === 'stream.opened' ? [event.streamId] : [])));
  let id: number | undefined;
  await waitFor(() => {
    const next = events.find((event) => event.type === 'stream.opened' && !seen.has(event.streamId));
    id = next?.type === 'stream.opened' ? next.streamId : undefined;
    return id !== undefined;
  }, 'stream.opened');
  return id!;
}

async function closed(streamId: number): Promise<Extract<EngineEvent, { type: 'stream.closed' }>> {
  await waitFor(() => streamEvent('stream.closed', streamId) !== undefined, 'stream.closed');
  return streamEvent('stream.closed', streamId)!;
}

describe('long gRPC streams through an http2 proxy are reported while open, and by how they end', () => {
  it('a streaming call under a latency toxic is announced while open, and its end says its gRPC status; a unary call is not announced', async () => {
    const added = await harness.api('POST', '/proxies/shop/toxics', {
      name: 'lag',
      type: 'latency',
      attributes: { latency: 20 },
    });
    assert.equal(added.status, 200, added.text);
    // A call over in a moment is not announced: only the long one below is.
    const short = watchCall(client);
    finishCall(await nextOpenCall(open));
    assert.equal(await short.outcome, 'end');
    const { outcome } = watchCall(client);
    const upstream = await nextOpenCall(open);
    const id = await announced();
    const opened = streamEvent('stream.opened', id)!;
    assert.ok(opened.openMs >= 1000, `announced after ${opened.openMs} ms`);
    assert.deepEqual(
      { ...opened, connection: 0, openMs: 0 },
      {
        type: 'stream.opened',
        proxy: 'shop',
        connection: 0,
        streamId: id,
        method: 'POST',
        path: '/shop.Orders/Watch',
        openMs: 0,
        status: 200,
        bodyBytes: 10,
      },
    );
    assert.equal(events.filter((event) => event.type === 'stream.opened').length, 1);
    assert.equal(streamEvent('stream.closed', id), undefined, 'not closed while open');
    assert.match(
      describeWatchLine({ time: '', data: opened } as never),
      /POST \/shop\.Orders\/Watch \(stream \d+ of connection #\d+\) open for \d+ ms: 200, 10 bytes of the body so far/,
    );
    upstream.write(orderFrame(2));
    finishCall(upstream);
    assert.equal(await outcome, 'end');
    const end = await closed(id);
    assert.equal(end.end, 'ended');
    assert.equal(end.grpcCode, 0);
    assert.equal(end.bodyBytes, 20);
    assert.match(
      describeWatchLine({ time: '', data: end } as never),
      /ended after \d+ ms, 20 bytes of the body: gRPC 0/,
    );
    assert.equal((await harness.api('DELETE', '/proxies/shop/toxics/lag')).status, 204);
  });

  it('a long call the client cancels ends as reset by the client with RST_STREAM CANCEL', async () => {
    const { call, outcome } = watchCall(client);
    await nextOpenCall(open);
    const id = await announced();
    call.cancel();
    assert.match(await outcome, /^1 /);
    const end = await closed(id);
    assert.equal(end.end, 'client_reset');
    assert.equal(end.rstCode, 8);
    assert.match(
      describeWatchLine({ time: '', data: end } as never),
      /reset by the client \(RST_STREAM CANCEL \(8\)\)/,
    );
  });

  it('a long call the upstream resets is cut with its code; a lost upstream connection or its GOAWAY is said so, not passed on as a cancel', async () => {
    const reset = watchCall(client);
    const upstream = await nextOpenCall(open);
    const id = await announced();
    upstream.close(11);
    // grpc-js reads ENHANCE_YOUR_CALM as RESOURCE_EXHAUSTED: the upstream's code reached it.
    assert.match(await reset.outcome, /^8 Bandwidth exhausted/);
    const end = await closed(id);
    assert.equal(end.end, 'upstream_reset');
    assert.equal(end.rstCode, 11);
    assert.match(end.error ?? '', /ENHANCE_YOUR_CALM/);

    // node closes the streams of a lost connection with CANCEL of its own: the client is not told it cancelled.
    const lost = watchCall(client);
    (await nextOpenCall(open)).session!.destroy();
    assert.match(await lost.outcome, /^13 Received RST_STREAM with code 2/);
    const cut = events.findLast((event) => event.type === 'http.upstream_failed');
    assert.match(
      cut?.type === 'http.upstream_failed' ? cut.error : '',
      /the connection to the upstream closed/,
    );

    const failures = () => events.filter((event) => event.type === 'http.upstream_failed').length;
    const before = failures();
    const goaway = watchCall(client);
    (await nextOpenCall(open)).session!.goaway(2);
    assert.match(await goaway.outcome, /^13 /);
    await waitFor(() => failures() > before, 'the GOAWAY cut');
    const failed = events.findLast((event) => event.type === 'http.upstream_failed');
    assert.match(
      failed?.type === 'http.upstream_failed' ? failed.error : '',
      /the upstream sent GOAWAY with INTERNAL_ERROR \(2\)/,
    );
  });

  it('a long call whose connection a reset_peer toxic cuts ends with its connection', async () => {
    const { outcome } = watchCall(client);
    const upstream = await nextOpenCall(open);
    const id = await announced();
    const added = await harness.api('POST', '/proxies/shop/toxics', {
      name: 'cut',
      type: 'reset_peer',
      attributes: { timeout: 0 },
    });
    assert.equal(added.status, 200, added.text);
    upstream.write(orderFrame(2));
    assert.match(await outcome, /^14 /);
    const end = await closed(id);
    assert.equal(end.end, 'connection_closed');
    assert.ok(
      events.some(
        (event) =>
          event.type === 'toxic.fired' && event.toxic === 'cut' && event.connection === end.connection,
      ),
    );
    assert.equal((await harness.api('DELETE', '/proxies/shop/toxics/cut')).status, 204);
  });
});

describe('a client deadline shorter than an injected delay', () => {
  it('the client gets DEADLINE_EXCEEDED from its own timer, the delay says the client reset the stream (CANCEL), and nothing goes upstream', async () => {
    const added = await harness.api('POST', '/proxies/shop/toxics', {
      name: 'hold',
      type: 'http_delay',
      attributes: { stage: 'request', delay: 60_000 },
    });
    assert.equal(added.status, 200, added.text);
    const before = upstreamCalls.length;
    const { outcome } = watchCall(client, { deadline: Date.now() + 300 });
    assert.match(await outcome, /^4 Deadline exceeded/);
    const left = () => events.find((event) => event.type === 'http.fault' && event.toxic === 'hold');
    await waitFor(() => left() !== undefined, 'the delay reported');
    const fault = left();
    assert.ok(fault?.type === 'http.fault');
    assert.equal(fault.action, 'delay_request');
    assert.ok(fault.clientLeftAfterMs !== undefined && fault.clientLeftAfterMs < 60_000);
    assert.equal(fault.rstCode, 8, 'grpc-js resets a call past its deadline with CANCEL');
    assert.match(
      describeWatchLine({ time: '', data: fault } as never),
      /POST \/shop\.Orders\/Watch: the client left after \d+ ms by RST_STREAM CANCEL \(8\) \(http_delay hold\)/,
    );
    // Removing the delay would send a request it still held upstream at once: the next call is the only one there.
    assert.equal((await harness.api('DELETE', '/proxies/shop/toxics/hold')).status, 204);
    const next = watchCall(client);
    finishCall(await nextOpenCall(open));
    assert.equal(await next.outcome, 'end');
    assert.equal(upstreamCalls.length, before + 1);
  });
});
