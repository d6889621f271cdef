import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { arm } from '../src/inject/apply.js';
import { type FaultApplied, faultCounts, onFault } from '../src/inject/events.js';
import { installFsFaults } from '../src/inject/fs-faults.js';
import { createHttpFaults, type HttpFaults } from '../src/inject/http-middleware.js';
import { installFetchFaults, installHttpFaults } from '../src/inject/outbound.js';
import { wrap } from '../src/inject/wrap.js';

const server = http.createServer((request, response) => {
  request.resume();
  response.end('real');
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
after(() => server.close());
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** The events published while `run` runs. */
async function eventsOf(run: () => Promise<void>): Promise<FaultApplied[]> {
  const seen: FaultApplied[] = [];
  const stop = onFault((applied) => seen.push(applied));
  try {
    await run();
  } finally {
    stop();
  }
  return seen;
}

describe('a fetch fault is recorded when its effect happens, not when it is picked', () => {
  test("a delay the app's timeout cuts short is reported as that delay, never as the status", async () => {
    const undo = installFetchFaults(
      arm([{ name: 'effect-fetch-cut', delay: 10_000, status: 503 }], ['status'], 'fetch fault'),
    );
    try {
      const events = await eventsOf(() =>
        assert.rejects(fetch(`${base}/slow`, { signal: AbortSignal.timeout(50) }), { name: 'TimeoutError' }),
      );
      assert.equal(events.length, 1);
      const [event] = events;
      assert.equal(event!.effect, 'delay');
      assert.equal(event!.cutShort?.by, 'app');
      assert.ok(event!.cutShort!.heldMs < 5_000, 'the hold ended when the timeout fired');
      assert.equal(faultCounts().get('effect-fetch-cut'), 1);
    } finally {
      undo();
    }
  });

  test('a signal aborted before the call: the fault did nothing and is not recorded', async () => {
    const undo = installFetchFaults(
      arm([{ name: 'effect-fetch-early', status: 503 }], ['status'], 'fetch fault'),
    );
    try {
      const cancel = new AbortController();
      cancel.abort();
      const events = await eventsOf(() =>
        assert.rejects(fetch(`${base}/down`, { signal: cancel.signal }), { name: 'AbortError' }),
      );
      assert.deepEqual(events, []);
      assert.equal(faultCounts().get('effect-fetch-early'), undefined);
    } finally {
      undo();
    }
  });

  test('a delay held in full, then the status: reported as the status', async () => {
    const undo = installFetchFaults(
      arm([{ name: 'effect-fetch-full', delay: 20, status: 503 }], ['status'], 'fetch fault'),
    );
    try {
      const events = await eventsOf(async () => {
        assert.equal((await fetch(`${base}/down`)).status, 503);
      });
      assert.deepEqual(
        events.map(({ effect, cutShort }) => ({ effect, cutShort })),
        [{ effect: 'status', cutShort: undefined }],
      );
    } finally {
      undo();
    }
  });
});

describe('an http.request fault is recorded when its effect happens, not when it is picked', () => {
  test('a request the app destroys during the delay is reported as the delay cut short, not as the error', async () => {
    const undo = installHttpFaults(
      arm([{ name: 'effect-http-cut', delay: 10_000, error: 'refused' }], ['error'], 'http fault'),
    );
    try {
      let seen: Error | undefined;
      const events = await eventsOf(async () => {
        const client = http.request(`${base}/slow`);
        client.end();
        const gaveUp = setTimeout(() => client.destroy(new Error('app gave up')), 50);
        client.on('error', (error) => (seen = error));
        await new Promise((resolve) => client.on('close', resolve));
        clearTimeout(gaveUp);
      });
      assert.equal(seen?.message, 'app gave up');
      assert.equal(events.length, 1);
      assert.equal(events[0]!.effect, 'delay');
      assert.equal(events[0]!.cutShort?.by, 'app');
      assert.ok(events[0]!.cutShort!.heldMs < 5_000, 'the hold ended when the app destroyed the request');
      assert.equal(faultCounts().get('effect-http-cut'), 1);
    } finally {
      undo();
    }
  });

  test('an error that happens is reported as the error', async () => {
    const undo = installHttpFaults(
      arm([{ name: 'effect-http-error', error: 'refused' }], ['error'], 'http fault'),
    );
    try {
      const events = await eventsOf(async () => {
        const client = http.request(`${base}/down`);
        client.end();
        const [error] = (await once(client, 'error')) as [Error];
        assert.equal(error.message, 'refused');
      });
      assert.deepEqual(
        events.map(({ effect, cutShort }) => ({ effect, cutShort })),
        [{ effect: 'error', cutShort: undefined }],
      );
    } finally {
      undo();
    }
  });
});

describe('a server fault is recorded when its effect happens, not when it is picked', () => {
  /** A server whose faults hold requests; `onHeld` runs once a request is held by the fault. */
  async function faultedServer(
    name: string,
    onHeld: (faults: HttpFaults, request: http.IncomingMessage) => void,
  ) {
    const faults = createHttpFaults({ enabled: true, faults: [{ name, delay: 10_000, status: 503 }] });
    const faulted = http.createServer(faults.wrap((_request, response) => response.end('real')));
    // Runs after the fault's listener, which has started the delay by then.
    faulted.on('request', (request: http.IncomingMessage) => onHeld(faults, request));
    faulted.listen(0, '127.0.0.1');
    await once(faulted, 'listening');
    return { faulted, url: `http://127.0.0.1:${(faulted.address() as AddressInfo).port}/held` };
  }

  test('a request released when the faults are replaced is reported as the delay cut short, not as the status', async () => {
    const { faulted, url } = await faultedServer('effect-server-replaced', (faults) => faults.set([]));
    try {
      const events = await eventsOf(async () => {
        const response = await fetch(url);
        assert.equal(await response.text(), 'real');
      });
      assert.equal(events.length, 1);
      assert.equal(events[0]!.effect, 'delay');
      assert.equal(events[0]!.cutShort?.by, 'replaced');
      assert.equal(faultCounts().get('effect-server-replaced'), 1);
    } finally {
      faulted.close();
    }
  });

  test('a client that goes away during the delay: the delay cut short, never the status', async () => {
    const client = new AbortController();
    const { faulted, url } = await faultedServer('effect-server-client', () => client.abort());
    try {
      const events: FaultApplied[] = [];
      const recorded = new Promise<void>((resolve) => {
        const stop = onFault((applied) => {
          events.push(applied);
          stop();
          resolve();
        });
      });
      await assert.rejects(fetch(url, { signal: client.signal }), { name: 'AbortError' });
      await recorded;
      assert.equal(events[0]!.effect, 'delay');
      assert.equal(events[0]!.cutShort?.by, 'client');
    } finally {
      faulted.close();
    }
  });
});

describe('a wrap fault is recorded when its effect happens, not when it is picked', () => {
  test('an error after a delay is published when the call fails, not when it starts', async () => {
    const client = wrap(
      { get: async () => 'real' },
      { name: 'effect-wrap-late', delay: 20, error: 'boom' },
      { enabled: true },
    );
    const events: FaultApplied[] = [];
    const stop = onFault((applied) => events.push(applied));
    try {
      const pending = client.get();
      assert.deepEqual(events, [], 'nothing happened yet: the call is held');
      await assert.rejects(pending, /boom/);
      assert.deepEqual(
        events.map(({ fault, effect }) => ({ fault, effect })),
        [{ fault: 'effect-wrap-late', effect: 'error' }],
      );
    } finally {
      stop();
    }
  });
});

describe('an fs fault is recorded when its effect happens, not when it is picked', () => {
  test('an EIO after a delay is published when the call fails, not when it starts', async () => {
    const target = path.join(os.tmpdir(), `faultline-effect-${process.pid}.txt`);
    const undo = installFsFaults([
      {
        name: 'effect-fs-late',
        syscall: 'read',
        errno: 'EIO',
        delay: 20,
        path: `effect-${process.pid}\\.txt$`,
      },
    ]);
    const events: FaultApplied[] = [];
    const stop = onFault((applied) => events.push(applied));
    try {
      const pending = fs.promises.readFile(target);
      assert.deepEqual(events, [], 'nothing happened yet: the call is held');
      await assert.rejects(pending, { code: 'EIO' });
      assert.deepEqual(
        events.map(({ fault, effect }) => ({ fault, effect })),
        [{ fault: 'effect-fs-late', effect: 'error' }],
      );
    } finally {
      stop();
      undo();
    }
  });
});
