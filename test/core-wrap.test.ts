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

  test('only the named methods are faulted; others pass through to the object, values are the originals', async () => {
    const original = client();
    const wrapped = wrap(original, { methods: ['get'], error: 'boom' }, { enabled: true });
    assert.notEqual(wrapped, original);
    assert.notEqual(wrapped.get, original.get);
    assert.equal(wrapped.get, wrapped.get, 'the replacement is made once and kept');
    assert.equal(wrapped.set, wrapped.set, 'a pass-through is made once and kept');
    assert.equal(wrapped.set.name, 'set');
    assert.equal(await wrapped.set('k'), 'OK');
    assert.deepEqual(original.calls, ['set k'], 'a method no fault names is the original, called');
    assert.equal(wrapped.label, 'the client');
    assert.deepEqual([...wrapped], [1], 'a symbol method passes through too');
  });

  test('a fault without methods replaces every method, and still leaves values and symbols alone', () => {
    const original = client();
    const wrapped = wrap(original, { error: 'everywhere' }, { enabled: true });
    assert.equal(wrapped.label, 'the client');
    assert.deepEqual([...wrapped], [1]);
    assert.notEqual(wrapped.set, original.set);
  });

  test('an object with private fields, getters and setters keeps working: they run on the object, not the proxy', async () => {
    class Cache {
      #store = new Map<string, string>([['k', 'v']]);
      #label = 'cache';
      async get(key: string) {
        return this.#store.get(key);
      }
      async set(key: string, value: string) {
        this.#store.set(key, value);
        return 'OK';
      }
      get size() {
        return this.#store.size;
      }
      get label() {
        return this.#label;
      }
      set label(value: string) {
        this.#label = value;
      }
      has(key: string) {
        return this.#store.has(key);
      }
    }
    const original = new Cache();
    const wrapped = wrap(original, { methods: ['get'], error: 'boom', everyNth: 2 }, { enabled: true });
    assert.equal(await wrapped.get('k'), 'v', 'a faulted method that no fault picks runs on the object');
    await assert.rejects(wrapped.get('k'), { message: 'boom' });
    assert.equal(await wrapped.set('a', 'b'), 'OK');
    assert.deepEqual([wrapped.size, wrapped.has('a')], [2, true]);
    wrapped.label = 'renamed';
    assert.deepEqual([wrapped.label, original.label], ['renamed', 'renamed']);
    assert.ok(wrapped instanceof Cache);
    const unbound = wrapped.has;
    assert.throws(() => unbound.call({}, 'a'), TypeError, 'a call on another object stays on that object');
  });

  test('a Map keeps its internal slots: unfaulted methods, size and iteration work through the proxy', async () => {
    const map = new Map([['a', 1]]);
    const wrapped = wrap(map, { methods: ['get'], nullify: true }, { enabled: true, sync: ['get'] });
    assert.equal(wrapped.get('a'), null);
    wrapped.set('b', 2);
    assert.deepEqual(
      [wrapped.size, wrapped.has('b'), [...wrapped.keys()], [...wrapped]],
      [
        2,
        true,
        ['a', 'b'],
        [
          ['a', 1],
          ['b', 2],
        ],
      ],
    );
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

  test('every call is a candidate and is recorded under the function name', async () => {
    const seen: FaultApplied[] = [];
    const stop = onFault((applied) => seen.push(applied));
    async function lookup(key: string) {
      return `found ${key}`;
    }
    try {
      const faulty = withFaults(lookup, { error: 'no lookups', firstN: 1 }, { enabled: true });
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

  test('methods is refused: withFaults applies to every call, so it would choose nothing', () => {
    async function lookup() {
      return 1;
    }
    assert.throws(
      () => withFaults(lookup, [{ delay: 1 }, { methods: ['other'], error: 'x' }], { enabled: true }),
      {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        message:
          'fault 2: withFaults applies to every call of lookup, so "methods" would choose nothing; drop it (methods chooses the methods of wrap())',
      },
    );
  });

  test('an unnamed function is called "anonymous", in events and in the name of its fault', async () => {
    const seen: FaultApplied[] = [];
    const stop = onFault((applied) => seen.push(applied));
    const unnamed = [async () => 'x'][0]!;
    assert.equal(unnamed.name, '');
    try {
      assert.equal(
        await withFaults(unnamed, { abort: true, firstN: 1 }, { enabled: true })().catch(() => null),
        null,
      );
    } finally {
      stop();
    }
    assert.deepEqual(
      seen.map(({ fault, call }) => [fault.replace(/-\d+$/, ''), call.method]),
      [['anonymous-abort', 'anonymous']],
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
  // An emitter, as a ServerResponse is: the middleware listens for 'close' (the client gone).
  const response = Object.assign(new EventEmitter(), {
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
  });
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

  test('replacing or clearing the faults lets the requests they hold go on at once, with no further fault', async () => {
    const hour = 3_600_000;
    const faults = createHttpFaults({ faults: [{ delay: hour, status: 503 }], enabled: true });
    const held = viaMiddleware(faults, '/first');
    const stillHeld = await Promise.race([
      held.then(() => 'went on'),
      new Promise((resolve) => setImmediate(() => resolve('held'))),
    ]);
    assert.equal(stillHeld, 'held');
    assert.throws(() => faults.set([{ delay: -1 }]), { message: /invalid delay in fault 1/ });
    const afterRefusal = await Promise.race([
      held.then(() => 'went on'),
      new Promise((resolve) => setImmediate(() => resolve('held'))),
    ]);
    assert.equal(afterRefusal, 'held', 'a refused replacement keeps the faults, and what they hold');
    faults.set([{ delay: hour, abort: true }]);
    const released = await held;
    assert.deepEqual([released.next, released.sent.status, released.socket.destroyed], [true, 0, false]);
    const heldAgain = viaMiddleware(faults, '/second');
    faults.set([]);
    const cleared = await heldAgain;
    assert.deepEqual([cleared.next, cleared.socket.destroyed], [true, false]);
  });

  test('a fault with no delay is given at once: clearing the faults right after does not take it back', async () => {
    const faults = createHttpFaults({ faults: [{ status: 503 }], enabled: true });
    const answered = viaMiddleware(faults, '/now');
    faults.set([]);
    const result = await answered;
    assert.deepEqual([result.next, result.sent.status], [false, 503]);
  });

  test('many requests held at once release without a listener warning', async () => {
    const warnings: string[] = [];
    const warned = (warning: Error) => warnings.push(warning.name);
    process.on('warning', warned);
    try {
      const faults = createHttpFaults({ faults: [{ delay: 3_600_000 }], enabled: true });
      const held = Array.from({ length: 20 }, (_, index) => viaMiddleware(faults, `/${index}`));
      faults.set([]);
      assert.equal((await Promise.all(held)).filter((result) => result.next).length, 20);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', warned);
    }
    assert.deepEqual(warnings, []);
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
      [[503, 'answers requests with status 503']],
    );
  });
});

describe('synchronous functions stay synchronous (sync)', () => {
  const add = (a: number, b: number) => a + b;

  test('withFaults with sync: an error throws at once, and the next call returns the sum itself', () => {
    const faulty = withFaults(add, { error: 'boom', firstN: 1 }, { enabled: true, sync: true });
    assert.throws(() => faulty(1, 2), { name: 'Error', message: 'boom' });
    assert.equal(faulty(1, 2), 3);
  });

  test('withFaults with sync: nullify returns null and abort throws an AbortError, at once', () => {
    assert.equal(withFaults(add, { nullify: true }, { enabled: true, sync: true })(1, 2), null);
    assert.throws(() => withFaults(add, { abort: true }, { enabled: true, sync: true })(1, 2), {
      name: 'AbortError',
      code: 'ABORT_ERR',
    });
  });

  test('wrap with sync names: those methods throw or return null at once; the others still reject', async () => {
    const original = client();
    const store = Object.assign(original, {
      size: () => 3,
      has: (key: string) => key === 'k',
    });
    const wrapped = wrap(
      store,
      [
        { methods: ['size'], nullify: true },
        { methods: ['has', 'get'], error: 'down' },
      ],
      { enabled: true, sync: ['size', 'has'] },
    );
    assert.equal(wrapped.size(), null);
    assert.throws(() => wrapped.has('k'), { message: 'down' });
    const pending = wrapped.get('k');
    assert.ok(pending instanceof Promise, 'a method left out of sync still answers with a promise');
    await assert.rejects(pending, { message: 'down' });
  });

  test('wrap with sync: true makes every method synchronous, this kept for the calls that go through', () => {
    const counter = {
      count: 2,
      next() {
        return ++this.count;
      },
    };
    const wrapped = wrap(
      counter,
      { methods: ['next'], error: 'jammed', everyNth: 2 },
      { enabled: true, sync: true },
    );
    assert.equal(wrapped.next(), 3);
    assert.throws(() => wrapped.next(), { message: 'jammed' });
    assert.equal(wrapped.next(), 4);
  });

  test('a delay on a synchronous function is refused: it would block the process', () => {
    const message = (where: string, name: string) =>
      `${where}: a delay cannot hold back ${name}, which is synchronous (sync), without blocking the whole process; use error, abort or nullify on it, or leave it out of sync if it returns a promise`;
    assert.throws(() => withFaults(add, [{ error: 'x' }, { delay: 5 }], { enabled: true, sync: true }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: message('fault 2', 'add'),
    });
    assert.throws(() => withFaults(add, { delay: 5 }, { enabled: true, sync: true }), {
      message: message('fault 1', 'add'),
    });
    const store = { size: () => 1, async get() {} };
    assert.throws(
      () => wrap(store, { methods: ['get', 'size'], delay: 5 }, { enabled: true, sync: ['size'] }),
      {
        message: message('fault 1', 'size'),
      },
    );
    assert.throws(() => wrap(store, { delay: 5 }, { enabled: true, sync: ['size'] }), {
      message: message('fault 1', 'size'),
    });
    assert.throws(() => wrap(store, { methods: ['get'], delay: 5 }, { enabled: true, sync: true }), {
      message: message('fault 1', 'get'),
    });
    assert.throws(() => wrap(store, { delay: 5 }, { enabled: true, sync: true }), {
      message: message('fault 1', 'every method'),
    });
    // A delay on a method left out of sync is fine.
    assert.equal(
      typeof wrap(store, { methods: ['get'], delay: 5 }, { enabled: true, sync: ['size'] }).get,
      'function',
    );
  });

  test('an async function declared sync is refused: it returns a promise', () => {
    async function load() {
      return 1;
    }
    const message = 'sync: load is an async function, so it returns a promise; leave it out of sync';
    assert.throws(() => withFaults(load, { error: 'x' }, { enabled: true, sync: true }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message,
    });
    assert.throws(() => wrap({ load }, { error: 'x' }, { enabled: true, sync: ['load'] }), { message });
    // Without sync, a faulted call of a function not declared sync answers with a promise, as before.
    assert.ok(
      withFaults(load, { error: 'x' }, { enabled: true })().catch(() => undefined) instanceof Promise,
    );
  });

  test('options: an unknown key, and a sync that is not a boolean (or names), are refused', () => {
    assert.throws(() => withFaults(add, { error: 'x' }, { enabled: true, synchronous: true } as never), {
      code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
      message: 'withFaults options: unknown key "synchronous"; the keys are enabled and sync',
    });
    assert.throws(() => wrap({ add }, { error: 'x' }, { enabled: false, snyc: true } as never), {
      message: 'wrap options: unknown key "snyc"; the keys are enabled and sync',
    });
    assert.throws(() => withFaults(add, { error: 'x' }, { enabled: true, sync: ['add'] } as never), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: 'withFaults options: sync must be true or false, received ["add"]',
    });
    assert.throws(() => wrap({ add }, { error: 'x' }, { enabled: true, sync: 'add' } as never), {
      message: 'wrap options: sync must be true, false or a list of method names, received "add"',
    });
    assert.throws(() => wrap({ add }, { error: 'x' }, { enabled: true, sync: ['add', 1] } as never), {
      message: 'wrap options: sync must be true, false or a list of method names, received ["add",1]',
    });
    assert.throws(() => wrap({ add }, { error: 'x' }, 'sync' as never), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: 'wrap options: expected an object such as { sync: true }, received sync',
    });
    assert.throws(() => wrap({ add }, { error: 'x' }, null as never), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: 'wrap options: expected an object such as { sync: true }, received null',
    });
    assert.equal(typeof wrap({ add }, { error: 'x' }, { enabled: true, sync: false }).add, 'function');
  });
});

describe('fields that could never match are refused', () => {
  test('wrap: a method the object does not have, with the closest one, or the methods it has', () => {
    assert.throws(() => wrap(client(), { methods: ['get', 'gte'], error: 'x' }, { enabled: true }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message:
        'fault 1: the object has no method "gte", so a fault on it would never apply; did you mean "get"?',
    });
    class Store {
      read() {}
      write() {}
    }
    assert.throws(() => wrap(new Store(), { methods: ['nosuch'], error: 'x' }, { enabled: true }), {
      message:
        'fault 1: the object has no method "nosuch", so a fault on it would never apply; its methods are read, write',
    });
    const many = Object.fromEntries(
      Array.from({ length: 13 }, (_, index) => [`method${String(index + 1).padStart(2, '0')}`, () => index]),
    );
    assert.throws(() => wrap(many, { methods: ['zzzzzzzzzzzz'], error: 'x' }, { enabled: true }), {
      message:
        'fault 1: the object has no method "zzzzzzzzzzzz", so a fault on it would never apply; its methods are ' +
        'method01, method02, method03, method04, method05, method06, method07, method08, method09, method10, method11, method12, …',
    });
    delete many.method13;
    assert.throws(() => wrap(many, { methods: ['zzzzzzzzzzzz'], error: 'x' }, { enabled: true }), {
      message:
        'fault 1: the object has no method "zzzzzzzzzzzz", so a fault on it would never apply; its methods are ' +
        'method01, method02, method03, method04, method05, method06, method07, method08, method09, method10, method11, method12',
    });
    assert.throws(() => wrap({ label: 'x' }, { methods: ['label'], error: 'x' }, { enabled: true }), {
      message:
        'fault 1: the object has no method "label", so a fault on it would never apply; its methods are none',
    });
    assert.throws(() => wrap(new Store(), { error: 'x' }, { enabled: true, sync: ['reed'] }), {
      message:
        'sync: the object has no method "reed", so a fault on it would never apply; did you mean "read"?',
    });
  });

  test('wrap and withFaults: url, httpMethods and header filter HTTP requests and are refused', () => {
    for (const [key, value] of [
      ['url', '^/a'],
      ['httpMethods', ['GET']],
      ['header', { name: 'x' }],
    ] as const) {
      const message = `fault 1: "${key}" filters HTTP requests and never matches a method call; drop it, or use "methods" to choose methods`;
      assert.throws(() => wrap(client(), { [key]: value, error: 'x' }, { enabled: true }), {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        message,
      });
      assert.throws(() => withFaults(async () => 1, { [key]: value, error: 'x' }, { enabled: true }), {
        message,
      });
    }
  });

  test('createHttpFaults: methods (client methods) is refused, pointing to httpMethods', () => {
    const message =
      'fault 2: "methods" names client methods for wrap() and never matches an HTTP request; for HTTP methods write "httpMethods": ["GET"]';
    assert.throws(
      () => createHttpFaults({ faults: [{ delay: 1 }, { methods: ['GET'], status: 500 }], enabled: true }),
      {
        code: 'FAULTLINE_ERR_INVALID_FIELD',
        message,
      },
    );
    const faults = createHttpFaults({ faults: [], enabled: true });
    assert.throws(() => faults.set([{ delay: 1 }, { methods: ['GET'], status: 500 }]), { message });
  });

  test('createHttpFaults: lower-case httpMethods match, upper-cased', async () => {
    const faults = createHttpFaults({ faults: [{ httpMethods: ['post'], status: 500 }], enabled: true });
    assert.deepEqual(faults.list(), [{ httpMethods: ['POST'], status: 500 }]);
    assert.equal((await viaMiddleware(faults, '/', 'POST')).sent.status, 500);
    assert.equal((await viaMiddleware(faults, '/', 'GET')).next, true);
  });
});

describe('unnamed faults get names of their own', () => {
  test('two wraps of the same method: distinct names, each counted apart', async () => {
    const seen: string[] = [];
    const stop = onFault((applied) => seen.push(applied.fault));
    const store = { async distinctRead() {}, async distinctWrite() {} };
    try {
      const first = wrap(store, { methods: ['distinctRead'], nullify: true }, { enabled: true });
      const second = wrap(store, { methods: ['distinctRead'], nullify: true }, { enabled: true });
      const both = wrap(
        store,
        { methods: ['distinctRead', 'distinctWrite'], abort: true },
        { enabled: true },
      );
      await first.distinctRead();
      await second.distinctRead();
      await both.distinctWrite().catch(() => undefined);
    } finally {
      stop();
    }
    assert.deepEqual(seen, [
      'distinctRead-nullify',
      'distinctRead-nullify-2',
      'distinctRead+distinctWrite-abort',
    ]);
  });

  test('a fault without methods is named after wrap; a server fault after http-server; a delay alone after delay', async () => {
    const seen: string[] = [];
    const stop = onFault((applied) => seen.push(applied.fault.replace(/-\d+$/, '')));
    try {
      await wrap(client(), { error: 'x' }, { enabled: true })
        .set('a')
        .catch(() => undefined);
      await viaMiddleware(createHttpFaults({ faults: [{ status: 503 }], enabled: true }), '/');
      await withFaults(async function slowOne() {}, { delay: 1 }, { enabled: true })();
    } finally {
      stop();
    }
    assert.deepEqual(seen, ['wrap-error', 'http-server-status', 'slowOne-delay']);
  });
});
