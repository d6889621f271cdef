import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { startHarness, waitFor } from './helpers.js';
import { requestsActiveOn } from './http-helpers.js';
import { finishCall, openCallsUpstream, ordersClient, type WatchCall, watchCall } from './grpc-helpers.js';

const harness = await startHarness({ seed: 7 });
const { proxy, open } = await openCallsUpstream(harness, 'watch');
const client = ordersClient(proxy.port);

/** The watch proxy's faultline_http_requests_active. */
const requestsActive = () => requestsActiveOn(harness, 'watch');

/** A server-streaming call, once its first message came through the proxy: it is in flight. */
async function callInFlight(): Promise<WatchCall> {
  const watch = watchCall(client);
  await new Promise((resolve) => watch.call.once('data', resolve));
  return watch;
}

describe('faultline_http_requests_active: the HTTP/2 streams of a proxy in flight now', () => {
  it('is 0 with no call, 1 while a server-streaming call is held open, 0 once it ended', async () => {
    assert.equal(await requestsActive(), 0);
    const { outcome } = await callInFlight();
    assert.equal(await requestsActive(), 1);
    finishCall(open.shift()!);
    assert.equal(await outcome, 'end');
    await waitFor(async () => (await requestsActive()) === 0, 'the ended call to leave the gauge');
  });

  it('goes back to 0 when the client cancels the call', async () => {
    const { call, outcome } = await callInFlight();
    assert.equal(await requestsActive(), 1);
    call.cancel();
    assert.match(await outcome, new RegExp(`^${grpc.status.CANCELLED} `));
    await waitFor(async () => (await requestsActive()) === 0, 'the cancelled call to leave the gauge');
    open.shift()?.close();
  });
});
