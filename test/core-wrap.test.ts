import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import { type FaultApplied, onFault } from '../src/inject/events.js';
import { createHttpFaults } from '../src/inject/http-middleware.js';
import { withFaults, wrap } from '../src/inject/wrap.js';

/** A client whose methods say what they were called with and on which object. */
function client() {
  const calls: string[] = [];
  return {
    calls,
    label: 'the client',
    async get(this: { label: string }, key: string) {
      calls.push(`get ${key}`);
      return `${this.label}: ${key}`;
    },
    async set(key: string) {
      calls.push(`set ${key}`);
      return 'OK';
    },
    fetchLater(this: { label: string }, key: string, done: (error: Error | null, value?: string) => void) {
      calls.push(`fetchLater ${key}`);
      done(null, `${this.label}: ${key} later`);
    },
    fetchWith(key: string, options: { suffix: string }, done: (error: Error | null, value?: string) => void) {
      calls.push(`fetchWith ${key}`);
      done(null, `${key}${options.suffix}`);
    },
    [Symbol.iterator]: function* () {
      yield 1;
    },
  };
}

const callback = <T>(start: (done: (error: Error | null, value?: T) => void) => void) =>
  new Promise<{ error: Error | null; value: T | undefined; args: number }>((resolve) =>
    start((...args: unknown[]) =>
      resolve({ error: args[0] as Error | null, value: args[1] as T | undefined, args: args.length }),
    ),
  );

describe('wrap', () => {
  test('faults off: the client itself comes back', () => {
    const original = client();
    assert.equal(wrap(original, { error: 'boom' }, { enabled: false }), original);
  });

  test('only the named methods are replaced; others, values and symbols are the originals', () => {
    const original = client();
    const wrapped = wrap(original, { methods: ['get'], error: 'boom' }, { enabled: true });
    assert.notEqual(wrapped, original);
    assert.notEqual(wrapped.get, original.get);
    assert.equal(wrapped.get, wrapped.get, 'the replacement is made once and kept');
    assert.equal(wrapped.set, original.set);
    assert.equal(wrapped.label, 'the client');
    assert.equal(wrapped[Symbol.iterator], original[Symbol.iterator]);
  });

  test('a fault without methods replaces every method, and still leaves values and symbols alone', () => {
    const original = client();
    const wrapped = wrap(original, { error: 'everywhere' }, { enabled: true });
    assert.equal(wrapped.label, 'the client');
    assert.equal(wrapped[Symbol.iterator], original[Symbol.iterator]);
    assert.notEqual(wrapped.set, original.set);
  });

  test('a fault without methods applies to every method', async () => {
    const wrapped = wrap(client(), [{ methods: ['get'], delay: 1 }, { error: 'everywhere' }], {
      enabled: true,
    });
    await assert.rejects(wrapped.set('a'), { message: 'everywhere' });
    assert.equal(await wrapped.get('b'), 'the client: b', 'the first fault (a delay) is picked for get');
  });

  test('error rejects without calling the method, with the name and code given', async () => {
    const original = client();
    const wrapped = wrap(
      original,
      { methods: ['get'], error: { message: 'LOADING', name: 'RedisError', code: 'ELOADING' } },
      { enabled: true },
    );
    await assert.rejects(wrapped.get('k'), { name: 'RedisError', message: 'LOADING', code: 'ELOADING' });
    assert.deepEqual(original.calls, []);
  });

  test('an Error object is taken as the error to throw', async () => {
    const wrapped = wrap(client(), { methods: ['get'], error: new RangeError('out') }, { enabled: true });
    await assert.rejects(wrapped.get('k'), { name: 'RangeError', message: 'out' });
  });

  test('abort rejects with an AbortError; nullify resolves null; neither calls the method', async () => {
    const original = client();
    const aborting = wrap(original, { methods: ['get'], abort: true }, { enabled: true });
    await assert.rejects(aborting.get('k'), {
      name: 'AbortError',
      code: 'ABORT_ERR',
      message: 'The operation was aborted by an injected fault',
    });
    const nulled = wrap(original, { methods: ['get'], nullify: true }, { enabled: true });
    assert.equal(await nulled.get('k'), null);
    assert.deepEqual(original.calls, []);
  });

  test('a delay alone holds the call back, then calls the method on the client', async () => {
    const original = client();
    const wrapped = wrap(original, { methods: ['get'], delay: 20 }, { enabled: true });
    const started = performance.now();
    assert.equal(await wrapped.get('k'), 'the client: k');
    assert.ok(performance.now() - started >= 20, 'the delay held the call back');
    assert.deepEqual(original.calls, ['get k']);
  });

  test('a call the fault does not pick goes to the method as it is, synchronously', () => {
    const original = client();
    const wrapped = wrap(original, { methods: ['get'], error: 'boom', firstN: 1 }, { enabled: true });
    void wrapped.get('first').catch(() => undefined);
    const second = wrapped.get('second');
    assert.deepEqual(original.calls, ['get second'], 'called before anything was awaited');
    return second.then((value) => assert.equal(value, 'the client: second'));
  });

  test('callback methods: the error goes to the callback; nullify gives (null, null); a delay calls the method', async () => {
    const original = client();
    const failing = wrap(original, { methods: ['fetchLater'], error: 'cb boom' }, { enabled: true });
    const failed = await callback<string>((done) => {
      assert.equal(failing.fetchLater('a', done), undefined);
    });
    assert.deepEqual([failed.error?.message, failed.args], ['cb boom', 1]);
    const nulled = wrap(original, { methods: ['fetchLater'], nullify: true }, { enabled: true });
    const empty = await callback<string>((done) => nulled.fetchLater('b', done));
    assert.deepEqual([empty.error, empty.value, empty.args], [null, null, 2]);
    assert.deepEqual(original.calls, []);
    const slow = wrap(original, { methods: ['fetchLater'], delay: 1 }, { enabled: true });
    const late = await callback<string>((done) => slow.fetchLater('c', done));
    assert.deepEqual([late.error, late.value], [null, 'the client: c later']);
    assert.deepEqual(original.calls, ['fetchLater c']);
  });

  test('the callback is the last argument, however many come before it', async () => {
    const original = client();
    const failing = wrap(original, { methods: ['fetchWith'], error: 'cb boom' }, { enabled: true });
    const failed = await callback<string>((done) => failing.fetchWith('a', { suffix: '!' }, done));
    assert.deepEqual([failed.error?.message, failed.args], ['cb boom', 1]);
    const slow = wrap(original, { methods: ['fetchWith'], delay: 1 }, { enabled: true });
    const late = await callback<string>((done) => slow.fetchWith('b', { suffix: '?' }, done));
    assert.deepEqual([late.error, late.value], [null, 'b?']);
  });

  test('each fault picked is recorded with the method it hit', async () => {
    const seen: FaultApplied[] = [];
    const stop = onFault((applied) => seen.push(applied));
    try {
      const wrapped = wrap(
        client(),
        { name: 'wrap-recorded', methods: ['get'], nullify: true },
        { enabled: true },
      );
      await wrapped.get('k');
    } finally {
      stop();
    }
    assert.deepEqual(
      seen.map(({ fault, target, effect, call }) => [fault, target, effect, call.method]),
      [['wrap-recorded', 'call', 'nullify', 'get']],
    );
  });

  test('a status fault is refused: it does not apply to a method call', () => {
    assert.throws(() => wrap(client(), { status: 503 }, { enabled: true }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: 'fault 1: "status" does not apply here; use one of error, abort, nullify',
    });
  });
});

describe('withFaults', () => {
  test('faults off: the function itself comes back', () => {
    const fn = async () => 1;
    assert.equal(withFaults(fn, { error: 'boom' }, { enabled: false }), fn);
  });

  test('every call is a candidate, whatever `methods` says, and is recorded under the function name', async () => {
    const seen: FaultApplied[] = [];
    const stop = onFault((applied) => seen.push(applied));
    async function lookup(key: string) {
      return `found ${key}`;
    }
    try {
      const faulty = withFaults(
        lookup,
        { methods: ['other'], error: 'no lookups', firstN: 1 },
        { enabled: true },
      );
      await assert.rejects(faulty('a'), { message: 'no lookups' });
      assert.equal(await faulty('b'), 'found b');
    } finally {
      stop();
    }
    assert.deepEqual(
      seen.map(({ call }) => call.method),
      ['lookup'],
    );
  });

  test('an unnamed function is called "function"', async () => {
    const seen: FaultApplied[] = [];
    const stop = onFault((applied) => seen.push(applied));
    const unnamed = [async () => 'x'][0]!;
    assert.equal(unnamed.name, '');
    try {
      assert.equal(await withFaults(unnamed, { nullify: true }, { enabled: true })(), null);
    } finally {
      stop();
    }
    assert.deepEqual(
      seen.map(({ call }) => call.method),
      ['function'],
    );
  });

  test('a status fault is refused for a function too, naming the fault', () => {
    assert.throws(() => withFaults(async () => 1, { status: 503 }, { enabled: true }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: 'fault 1: "status" does not apply here; use one of error, abort, nullify',
    });
  });

  test('the function is called with the this of the call', async () => {
    const holder = {
      label: 'holder',
      read: withFaults(
        async function read(this: { label: string }) {
          return this.label;
        },
        { delay: 1 },
        { enabled: true },
      ),
    };
    assert.equal(await holder.read(), 'holder');
  });
});

/** A request and response in memory: what was written, and whether the socket was destroyed. */
function exchange(url: string, method = 'GET', headers: Record<string, string> = {}) {
  const socket = { destroyed: false, destroy: () => void (socket.destroyed = true) };
  const request = Object.assign(new EventEmitter(), { url, method, headers, socket });
  const response = {
    status: 0,
    headers: {} as Record<string, string>,
    body: '',
    writeHead(status: number, head: Record<string, string>) {
      response.status = status;
      response.headers = head;
      return response;
    },
    end(body?: string) {
      response.body += body ?? '';
      return response;
    },
  };
  return {
    request: request as unknown as IncomingMessage,
    response: response as unknown as ServerResponse,
    socket,
    sent: response,
  };
}

function viaMiddleware(faults: ReturnType<typeof createHttpFaults>, url: string, method = 'GET') {
  const { request, response, socket, sent } = exchange(url, method);
  return new Promise<{ next: boolean; error: unknown; socket: typeof socket; sent: typeof sent }>(
    (resolve) => {
      // A response the middleware took over ends without next(): wait for end() or destroy().
      const end = sent.end;
      sent.end = (body?: string) => {
        const result = end(body);
        resolve({ next: false, error: undefined, socket, sent });
        return result;
      };
      const destroy = socket.destroy;
      socket.destroy = () => {
        destroy();
        resolve({ next: false, error: undefined, socket, sent });
      };
      faults.middleware(request, response, (error) => resolve({ next: true, error, socket, sent }));
    },
  );
}

describe('createHttpFaults', () => {
  test('faults off: not enabled, every request goes on, set and list do nothing', async () => {
    const faults = createHttpFaults({ faults: [{ status: 503 }], enabled: false });
    assert.equal(faults.enabled, false);
    const result = await viaMiddleware(faults, '/');
    assert.deepEqual([result.next, result.sent.status], [true, 0]);
    const listener = () => undefined;
    assert.equal(faults.wrap(listener), listener);
    faults.set([{ status: 500 }]);
    assert.deepEqual(faults.list(), []);
    let done = 0;
    faults.fastify({ addHook: () => assert.fail('no hook when off') }, {}, () => void (done += 1));
    assert.equal(done, 1);
    assert.equal(faults.fastify[Symbol.for('skip-override')], true);
  });

  test('a status fault answers with the status, a plain body and the fault header', async () => {
    const faults = createHttpFaults({ faults: [{ url: '^/api', status: 503 }], enabled: true });
    assert.equal(faults.enabled, true);
    const hit = await viaMiddleware(faults, '/api/orders');
    assert.deepEqual(
      [hit.next, hit.sent.status, hit.sent.headers, hit.sent.body],
      [
        false,
        503,
        { 'Content-Type': 'text/plain', 'X-Faultline-Fault': 'injected' },
        'injected fault: status 503',
      ],
    );
    const missed = await viaMiddleware(faults, '/health');
    assert.deepEqual([missed.next, missed.error, missed.sent.status], [true, undefined, 0]);
  });

  test('a body given is sent; an error without a status answers 500 with its message', async () => {
    const custom = await viaMiddleware(
      createHttpFaults({ faults: [{ status: 429, body: 'slow down' }], enabled: true }),
      '/',
    );
    assert.deepEqual([custom.sent.status, custom.sent.body], [429, 'slow down']);
    const failing = await viaMiddleware(
      createHttpFaults({ faults: [{ error: 'db down' }], enabled: true }),
      '/',
    );
    assert.deepEqual([failing.sent.status, failing.sent.body], [500, 'db down']);
  });

  test('abort destroys the socket, writes nothing and never calls next', async () => {
    const faults = createHttpFaults({ faults: [{ abort: true }], enabled: true });
    const { request, response, socket, sent } = exchange('/');
    let nexts = 0;
    faults.middleware(request, response, () => void (nexts += 1));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([nexts, socket.destroyed, sent.status], [0, true, 0]);
  });

  test('a request without url or method is taken as GET /', async () => {
    const faults = createHttpFaults({
      faults: [{ url: '^/$', httpMethods: ['GET'], status: 409 }],
      enabled: true,
    });
    const { request, response, sent } = exchange('/');
    delete (request as { url?: string }).url;
    delete (request as { method?: string }).method;
    faults.middleware(request, response, () => assert.fail('the fault should have answered'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sent.status, 409);
  });

  test('without faults nothing is armed', () => {
    assert.deepEqual(createHttpFaults({ enabled: true }).list(), []);
  });

  test('each fault applied is recorded as an http-server fault', async () => {
    const seen: FaultApplied[] = [];
    const stop = onFault((applied) => seen.push(applied));
    try {
      await viaMiddleware(
        createHttpFaults({ faults: [{ name: 'mw-recorded', status: 503 }], enabled: true }),
        '/x',
      );
    } finally {
      stop();
    }
    assert.deepEqual(
      seen.map(({ fault, target, effect, call }) => [fault, target, effect, call.url, call.httpMethod]),
      [['mw-recorded', 'http-server', 'status', '/x', 'GET']],
    );
  });

  test('an effect that does not apply to a server is refused, naming the fault', () => {
    assert.throws(() => createHttpFaults({ faults: [{ nullify: true }], enabled: true }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: 'fault 1: "nullify" does not apply here; use one of error, status, abort, slowBody',
    });
  });

  test('admin options: the path starts with / and has no spaces; maxBodyBytes is 2 to 16 MiB', () => {
    const token = 'a-secret-of-sixteen+';
    const accepted = (admin: object) =>
      createHttpFaults({ enabled: true, admin: { token, ...admin } }).enabled;
    assert.equal(accepted({ path: '/admin' }), true);
    assert.equal(accepted({ path: '/' }), true);
    for (const path of ['admin', 'x/admin', '/a b', '/admin ']) {
      assert.throws(() => accepted({ path }), { message: /a path starting with \// }, JSON.stringify(path));
    }
    assert.equal(accepted({ maxBodyBytes: 2 }), true);
    assert.equal(accepted({ maxBodyBytes: 16 * 1024 * 1024 }), true);
    for (const maxBodyBytes of [1, 16 * 1024 * 1024 + 1]) {
      assert.throws(
        () => accepted({ maxBodyBytes }),
        { code: 'FAULTLINE_ERR_INVALID_FIELD' },
        String(maxBodyBytes),
      );
    }
  });

  test('options that are not an object are refused with the name of what was wrong', () => {
    for (const options of [null, 'faults', 3]) {
      assert.throws(() => createHttpFaults(options as never), {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        message: /createHttpFaults options/,
      });
    }
  });

  test('a delay alone holds the request back, then lets it go on', async () => {
    // Long enough that the way without the delay, slow as it is on a loaded machine, stays shorter.
    const started = performance.now();
    const result = await viaMiddleware(createHttpFaults({ faults: [{ delay: 400 }], enabled: true }), '/');
    assert.equal(result.next, true);
    assert.ok(performance.now() - started >= 400, 'the delay held the request back');
  });

  test('the request method and url are what the faults match', async () => {
    const faults = createHttpFaults({ faults: [{ httpMethods: ['POST'], status: 500 }], enabled: true });
    assert.equal((await viaMiddleware(faults, '/', 'GET')).next, true);
    assert.equal((await viaMiddleware(faults, '/', 'POST')).sent.status, 500);
  });

  test('set replaces the faults and list shows them', async () => {
    const faults = createHttpFaults({ faults: [{ status: 500 }], enabled: true });
    faults.set([{ url: '^/only', status: 418 }]);
    assert.deepEqual(faults.list(), [{ url: '^/only', status: 418 }]);
    assert.equal((await viaMiddleware(faults, '/')).next, true);
    assert.equal((await viaMiddleware(faults, '/only')).sent.status, 418);
  });

  test('wrap passes the requests no fault took to the listener', async () => {
    const faults = createHttpFaults({ faults: [{ url: '^/fail', status: 502 }], enabled: true });
    const seen: string[] = [];
    const listener = faults.wrap((request) => void seen.push(request.url!));
    const passing = exchange('/ok');
    listener(passing.request, passing.response);
    const failing = exchange('/fail');
    listener(failing.request, failing.response);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen, ['/ok']);
    assert.equal(failing.sent.status, 502);
  });

  test('the fastify plugin hooks onRequest, hijacks the replies it answered, and calls done', async () => {
    const faults = createHttpFaults({ faults: [{ url: '^/fail', status: 502 }], enabled: true });
    let hook: ((request: unknown, reply: unknown, next: (error?: unknown) => void) => void) | undefined;
    let registered = 0;
    faults.fastify(
      {
        addHook: (name, added) => {
          assert.equal(name, 'onRequest');
          hook = added as typeof hook;
        },
      },
      {},
      () => void (registered += 1),
    );
    assert.equal(registered, 1);
    assert.equal(faults.fastify[Symbol.for('skip-override')], true);
    const run = (url: string) => {
      const { request, response, sent } = exchange(url);
      let hijacked = false;
      return new Promise<{ hijacked: boolean; status: number }>((resolve) =>
        hook!({ raw: request }, { raw: response, hijack: () => void (hijacked = true) }, () =>
          resolve({ hijacked, status: sent.status }),
        ),
      );
    };
    assert.deepEqual(await run('/ok'), { hijacked: false, status: 0 });
    assert.deepEqual(await run('/fail'), { hijacked: true, status: 502 });
  });

  test('options: an unknown key and the old adminPath are refused, naming them', () => {
    assert.throws(() => createHttpFaults({ adminPath: '/x' } as never), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
      message: /"adminPath" was replaced by "admin": \{ token, path \}/,
    });
    assert.throws(() => createHttpFaults({ faults: [], falts: [] } as never), {
      message: /falts/,
    });
    assert.throws(() => createHttpFaults({ admin: { token: 'short' } }), {
      message: /the token must be 16 characters or more/,
    });
  });

  test('a request without url is taken as / by the admin route too', async () => {
    const faults = createHttpFaults({ enabled: true, admin: { token: 'a-secret-of-sixteen+', path: '/' } });
    const { request, response, sent } = exchange(undefined as never);
    let wentOn = false;
    await new Promise<void>((resolve) => {
      const end = sent.end;
      sent.end = (body?: string) => {
        end(body);
        resolve();
        return sent;
      };
      faults.middleware(request, response, () => {
        wentOn = true;
        resolve();
      });
    });
    // The admin route took it: without the token it answers 401 and the request goes no further.
    assert.deepEqual([wentOn, sent.status], [false, 401]);
  });

  test('the admin route answers on its path with the token, and only there', async () => {
    const token = 'a-secret-of-sixteen+';
    const faults = createHttpFaults({ faults: [{ status: 503 }], enabled: true, admin: { token } });
    const { request, response, sent } = exchange('/__faultline/faults?x=1', 'GET', {
      authorization: `Bearer ${token}`,
    });
    let wentOn = false;
    await new Promise<void>((resolve) => {
      const end = sent.end;
      sent.end = (body?: string) => {
        end(body);
        resolve();
        return sent;
      };
      faults.middleware(request, response, () => {
        wentOn = true;
        resolve();
      });
    });
    assert.equal(wentOn, false);
    assert.equal(sent.status, 200);
    const listed = JSON.parse(sent.body) as { faults: Array<{ status: number; explanation: string }> };
    assert.deepEqual(
      listed.faults.map(({ status, explanation }) => [status, explanation]),
      [[503, 'answers calls with status 503']],
    );
  });
});
