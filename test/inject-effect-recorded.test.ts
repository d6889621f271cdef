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

/**
 * A cut-short hold reports how long the fault held the call: at least as long as the test waited,
 * once the hold had begun, before ending it (`least`) and no longer than the whole call took.
 */
function assertHeld(heldMs: number, least: number, elapsed: number): void {
  // Less 1: a timer may fire a fraction of a millisecond early, and heldMs is rounded.
  assert.ok(heldMs >= least - 1, `held ${heldMs} ms, though the call was ended after ${least} ms of it`);
  assert.ok(heldMs <= Math.ceil(elapsed), `held ${heldMs} ms, longer than the whole call (${elapsed} ms)`);
}

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
      const started = performance.now();
      const events = await eventsOf(() =>
        assert.rejects(fetch(`${base}/slow`, { signal: AbortSignal.timeout(50) }), { name: 'TimeoutError' }),
      );
      const elapsed = performance.now() - started;
      assert.equal(events.length, 1);
      const [event] = events;
      assert.equal(event!.effect, 'delay');
      assert.equal(event!.cutShort?.by, 'app');
      // The timeout's 50 ms began before fetch reached the fault (loading fetch takes a while).
      assertHeld(event!.cutShort!.heldMs, 0, elapsed);
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

describe('a fetch or http fault without a delay acts when called', () => {
  test('fetch: an abort right after the call finds the status already answered', async () => {
    const undo = installFetchFaults(
      arm([{ name: 'effect-fetch-at-once', status: 503 }], ['status'], 'fetch fault'),
    );
    try {
      const events = await eventsOf(async () => {
        const cancel = new AbortController();
        const answered = fetch(`${base}/down`, { signal: cancel.signal });
        cancel.abort();
        assert.equal((await answered).status, 503);
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
  // A write left held forever would hang: the timeout makes it a failure.
  test(
    'a write held by the delay fails, with its callback, when the app destroys the request',
    { timeout: 10_000 },
    async () => {
      const undo = installHttpFaults(
        arm([{ name: 'effect-http-held-write', delay: 10_000, error: 'refused' }], ['error'], 'http fault'),
      );
      try {
        const client = http.request(`${base}/slow`, { method: 'POST' });
        client.on('error', () => {});
        const written = new Promise<Error | null | undefined>((resolve) => client.write('held', resolve));
        setTimeout(() => client.destroy(), 20);
        const error = await written;
        assert.ok(error instanceof Error, 'the held write was failed, as a write after destroy is');
      } finally {
        undo();
      }
    },
  );

  test('a delay held in full leaves no close listener on the request', async () => {
    const undo = installHttpFaults(
      arm([{ name: 'effect-http-full', delay: 20, url: '/held' }], [], 'http fault'),
    );
    try {
      const listeners: number[] = [];
      for (const path of ['/held', '/other']) {
        const client = http.request(`${base}${path}`);
        client.end();
        const [response] = (await once(client, 'response')) as [http.IncomingMessage];
        listeners.push(client.listenerCount('close'));
        response.resume();
        await once(response, 'end');
      }
      assert.equal(listeners[0], listeners[1], 'as many as on a request with no fault');
    } finally {
      undo();
    }
  });

  test('a request the app destroys during the delay is reported as the delay cut short, not as the error', async () => {
    const undo = installHttpFaults(
      arm([{ name: 'effect-http-cut', delay: 10_000, error: 'refused' }], ['error'], 'http fault'),
    );
    try {
      let seen: Error | undefined;
      const started = performance.now();
      const events = await eventsOf(async () => {
        const client = http.request(`${base}/slow`);
        client.end();
        const gaveUp = setTimeout(() => client.destroy(new Error('app gave up')), 50);
        client.on('error', (error) => (seen = error));
        await new Promise((resolve) => client.on('close', resolve));
        clearTimeout(gaveUp);
      });
      const elapsed = performance.now() - started;
      assert.equal(seen?.message, 'app gave up');
      assert.equal(events.length, 1);
      assert.equal(events[0]!.effect, 'delay');
      assert.equal(events[0]!.cutShort?.by, 'app');
      assertHeld(events[0]!.cutShort!.heldMs, 50, elapsed);
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
  /**
   * A server whose fault (10 s, then 503, unless `fault` says otherwise) holds requests; `onHeld`
   * runs once a request is held by the fault. `answered` counts the requests the app answered.
   */
  async function faultedServer(
    name: string,
    onHeld: (faults: HttpFaults, request: http.IncomingMessage) => void,
    fault: { delay: number; status?: number } = { delay: 10_000, status: 503 },
    onAnswer: (response: http.ServerResponse) => void = () => {},
  ) {
    const faults = createHttpFaults({ enabled: true, faults: [{ name, ...fault }] });
    const app = { answered: 0 };
    const faulted = http.createServer(
      faults.wrap((_request, response) => {
        app.answered += 1;
        onAnswer(response);
        response.end('real');
      }),
    );
    // Runs after the fault's listener, which has started the delay by then.
    faulted.on('request', (request: http.IncomingMessage) => onHeld(faults, request));
    faulted.listen(0, '127.0.0.1');
    await once(faulted, 'listening');
    return { faulted, app, url: `http://127.0.0.1:${(faulted.address() as AddressInfo).port}/held` };
  }

  test('a request released when the faults are replaced is reported as the delay cut short, not as the status', async () => {
    // Replaced 50 ms into the hold, so the hold has a length to report.
    const { faulted, url } = await faultedServer('effect-server-replaced', (faults) => {
      setTimeout(() => faults.set([]), 50);
    });
    try {
      const started = performance.now();
      const events = await eventsOf(async () => {
        const response = await fetch(url);
        assert.equal(await response.text(), 'real');
      });
      const elapsed = performance.now() - started;
      assert.equal(events.length, 1);
      assert.equal(events[0]!.effect, 'delay');
      assert.equal(events[0]!.cutShort?.by, 'replaced');
      assertHeld(events[0]!.cutShort!.heldMs, 50, elapsed);
      assert.equal(faultCounts().get('effect-server-replaced'), 1);
    } finally {
      faulted.close();
    }
  });

  test('a client that goes away during the delay: the delay cut short, never the status', async () => {
    const client = new AbortController();
    // The client leaves 50 ms into the hold, so the hold has a length to report.
    const { faulted, app, url } = await faultedServer('effect-server-client', () => {
      setTimeout(() => client.abort(), 50);
    });
    try {
      const started = performance.now();
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
      const elapsed = performance.now() - started;
      assert.equal(events[0]!.effect, 'delay');
      assert.equal(events[0]!.cutShort?.by, 'client');
      assertHeld(events[0]!.cutShort!.heldMs, 50, elapsed);
      // Its server is closed only once the app could have answered: a dropped request never reaches it.
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(app.answered, 0, "the app's handler did not run for a client that left");
    } finally {
      faulted.close();
    }
  });
});

describe('a server fault held in full', () => {
  async function server(
    fault: { delay: number; status?: number },
    onAnswer: (response: http.ServerResponse) => void,
  ) {
    const faults = createHttpFaults({
      enabled: true,
      faults: [{ name: `full-${fault.status ?? 'delay'}`, ...fault, url: '/held' }],
    });
    const faulted = http.createServer(
      faults.wrap((_request, response) => {
        onAnswer(response);
        response.end('real');
      }),
    );
    faulted.listen(0, '127.0.0.1');
    await once(faulted, 'listening');
    after(() => faulted.close());
    return `http://127.0.0.1:${(faulted.address() as AddressInfo).port}`;
  }

  test('then its status: reported as the status, with nothing cut short', async () => {
    let reachedApp = false;
    const url = await server({ delay: 20, status: 503 }, () => (reachedApp = true));
    const events = await eventsOf(async () => {
      const response = await fetch(`${url}/held`);
      assert.equal(response.status, 503);
      await response.text();
    });
    assert.deepEqual(
      events.map(({ effect, cutShort }) => ({ effect, cutShort })),
      [{ effect: 'status', cutShort: undefined }],
    );
    assert.equal(reachedApp, false, 'the fault answered, not the app');
  });

  test('a delay alone: the app answers, and the hold leaves no listener on the response', async () => {
    const closeListeners: Record<string, number> = {};
    const url = await server({ delay: 20 }, (response) => {
      closeListeners[response.req.url!] = response.listenerCount('close');
    });
    const events = await eventsOf(async () => {
      for (const path of ['/held', '/other'])
        assert.equal(await (await fetch(`${url}${path}`)).text(), 'real');
    });
    assert.deepEqual(
      events.map(({ effect, cutShort }) => ({ effect, cutShort })),
      [{ effect: 'delay', cutShort: undefined }],
    );
    assert.equal(closeListeners['/held'], closeListeners['/other'], 'as many as on a request with no fault');
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
