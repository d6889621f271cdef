import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import Koa from 'koa';
import { createHttpFaults, type HttpFaults } from '../src/inject/http-middleware.js';
import { type FaultApplied, onFault } from '../src/inject/events.js';

/** A Koa app with `use` first, then a handler answering with the path; its base URL and errors. */
async function koaApp(use: (app: Koa) => void): Promise<{ base: string; errors: Error[] }> {
  const app = new Koa();
  const errors: Error[] = [];
  app.silent = true;
  app.on('error', (error: Error) => errors.push(error));
  use(app);
  app.use((context) => {
    context.body = `app ${context.path}`;
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, errors };
}

async function get(url: string): Promise<[number, string]> {
  const response = await fetch(url);
  return [response.status, await response.text()];
}

describe('Koa', () => {
  test('app.use(faults.koa) answers, holds and slows the requests its faults pick', async () => {
    const faults = createHttpFaults({
      enabled: true,
      faults: [
        { name: 'koa-down', url: '^/down', status: 503, body: 'down' },
        { name: 'koa-slow', url: '^/slow', delay: 20 },
        { name: 'koa-dribble', url: '^/dribble', slowBody: 1_000_000 },
        { name: 'koa-drop', url: '^/drop', abort: true },
      ],
    });
    const seen: FaultApplied[] = [];
    after(onFault((event) => seen.push(event)));
    const { base, errors } = await koaApp((app) => app.use(faults.koa));
    assert.deepEqual(await get(`${base}/down?x=1`), [503, 'down']);
    assert.deepEqual(await get(`${base}/slow`), [200, 'app /slow']);
    assert.deepEqual(await get(`${base}/dribble`), [200, 'app /dribble']);
    await assert.rejects(fetch(`${base}/drop`), TypeError);
    assert.deepEqual(await get(`${base}/other`), [200, 'app /other']);
    assert.deepEqual(
      seen.filter((event) => event.fault.startsWith('koa-')).map((event) => [event.fault, event.call.url]),
      [
        ['koa-down', '/down?x=1'],
        ['koa-slow', '/slow'],
        ['koa-dribble', '/dribble'],
        ['koa-drop', '/drop'],
      ],
    );
    assert.deepEqual(errors, [], 'Koa saw no error: an answered request is left to faultline');
  });

  test('faults off: faults.koa passes every request on', async () => {
    const faults = createHttpFaults({ enabled: false, faults: [{ status: 503 }] });
    const { base } = await koaApp((app) => app.use(faults.koa));
    assert.deepEqual(await get(`${base}/any`), [200, 'app /any']);
  });

  for (const enabled of [true, false]) {
    test(`faults.middleware given to Koa (faults ${enabled ? 'on' : 'off'}) says to use faults.koa`, async () => {
      const faults: HttpFaults = createHttpFaults({ enabled, faults: [{ url: '^/down', status: 503 }] });
      const { base, errors } = await koaApp((app) => app.use(faults.middleware as unknown as Koa.Middleware));
      assert.equal((await get(`${base}/down`))[0], 500);
      assert.equal(errors.length, 1);
      assert.match(
        errors[0]!.message,
        /called as a Koa one \(context, next\); in Koa write app\.use\(faults\.koa\)/,
      );
    });
  }
});
