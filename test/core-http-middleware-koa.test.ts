import assert from 'node:assert/strict';
import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { createHttpFaults, type HttpFaults } from '../src/inject/http-middleware.js';

/**
 * The Koa middleware and the Fastify plugin called as their frameworks call them, without the
 * frameworks: what faultline reads of a Koa context (originalUrl, else the request's URL), what it
 * leaves there (`respond = false` once it answered), and which options the Fastify plugin refuses.
 */

type KoaContext = Parameters<HttpFaults['koa']>[0];

/** A server whose requests go through `faults.koa` with a context `shape` builds; what each call did. */
async function koaServer(
  faults: HttpFaults,
  shape: (req: IncomingMessage, res: ServerResponse) => KoaContext,
) {
  const calls: Array<{ nextCalled: boolean; respond: boolean | undefined; resolved: unknown }> = [];
  const server = http.createServer((req, res) => {
    const context = shape(req, res);
    let nextCalled = false;
    void faults
      .koa(context, async () => {
        nextCalled = true;
        res.end('app');
        return 'from the app';
      })
      .then((resolved) => calls.push({ nextCalled, respond: context.respond, resolved }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return `${response.status} ${await response.text()}`;
  };
  return { calls, get };
}

describe('faults.koa, given a Koa context', () => {
  const faults = createHttpFaults({
    enabled: true,
    faults: [{ url: '^/mounted/', status: 503, body: 'down' }],
  });

  test("matches the context's originalUrl (the whole URL) and leaves the answered request to faultline", async () => {
    const { calls, get } = await koaServer(faults, (req, res) => ({
      req,
      res,
      originalUrl: `/mounted${req.url ?? ''}`,
    }));
    assert.equal(await get('/x'), '503 down');
    assert.deepEqual(calls, [{ nextCalled: false, respond: false, resolved: undefined }]);
  });

  test("without originalUrl, it matches the request's URL; a request no fault picks goes on untouched", async () => {
    const { calls, get } = await koaServer(faults, (req, res) => ({ req, res }));
    assert.equal(await get('/mounted/y'), '503 down');
    assert.equal(await get('/other'), '200 app');
    assert.deepEqual(calls, [
      { nextCalled: false, respond: false, resolved: undefined },
      { nextCalled: true, respond: undefined, resolved: undefined },
    ]);
  });

  test('faults off: every request goes on, and the middleware resolves to nothing', async () => {
    const off = createHttpFaults({ enabled: false, faults: [{ status: 503 }] });
    const { calls, get } = await koaServer(off, (req, res) => ({ req, res, originalUrl: '/mounted/z' }));
    assert.equal(await get('/z'), '200 app');
    assert.deepEqual(calls, [{ nextCalled: true, respond: undefined, resolved: undefined }]);
  });
});

describe('the Fastify plugin called as Fastify calls it', () => {
  /** Calls the plugin with `options`; what it passed to done and how many hooks it added. */
  function register(faults: HttpFaults, options: unknown) {
    let hooks = 0;
    let doneWith: unknown = 'done not called';
    const plugin = faults.fastify as unknown as (
      instance: { addHook(): void },
      options: unknown,
      done: (error?: Error) => void,
    ) => void;
    plugin({ addHook: () => void (hooks += 1) }, options, (error) => (doneWith = error));
    return { hooks, doneWith };
  }

  for (const enabled of [true, false]) {
    test(`no options, or none to speak of, install it (faults ${enabled ? 'on' : 'off'})`, () => {
      const faults = createHttpFaults({ enabled, faults: [{ status: 503 }] });
      for (const options of [{}, null, undefined, 'text']) {
        assert.deepEqual(
          register(faults, options),
          { hooks: enabled ? 1 : 0, doneWith: undefined },
          String(options),
        );
      }
    });

    test(`every option given is named in the refusal, and nothing is installed (faults ${enabled ? 'on' : 'off'})`, () => {
      const faults = createHttpFaults({ enabled, faults: [{ status: 503 }] });
      const { hooks, doneWith } = register(faults, { prefix: '/api', faults: [] });
      assert.equal(hooks, 0);
      assert.ok(doneWith instanceof TypeError);
      assert.equal(
        doneWith.message,
        'fastify.register(faults.fastify) takes no options, and "prefix", "faults" would be ignored: its hook sees every request of the app, and its faults are those of createHttpFaults({ faults }); to scope them to a path, give each fault a "url" such as "^/api/"',
      );
    });
  }
});
