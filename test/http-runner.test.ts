import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { request } from 'undici';
import { createProxy, startHarness } from './helpers.js';
import { experiment, run } from './experiment-helpers.js';
import { startHttpUpstream } from './http-helpers.js';

const harness = await startHarness();
const upstream = await startHttpUpstream();

describe("the runner's faultline provider passes HTTP proxies and toxics through", () => {
  test('proxies.create with protocol http and toxics.add with match and first reach the server as given', async () => {
    const journal = await run(
      experiment({
        configuration: { faultline_url: harness.url },
        method: [
          {
            type: 'action',
            name: 'front the api',
            provider: {
              type: 'faultline',
              module: 'proxies',
              func: 'create',
              arguments: {
                name: 'orders',
                listen: '127.0.0.1:0',
                upstream: upstream.address,
                protocol: 'http',
              },
            },
          },
          {
            type: 'action',
            name: 'fail two order posts',
            provider: {
              type: 'faultline',
              module: 'toxics',
              func: 'add',
              arguments: {
                proxy: 'orders',
                name: 'orders_fail',
                type: 'http_abort',
                attributes: {
                  status: 503,
                  headers: { 'retry-after': '1' },
                  match: { method: 'POST' },
                  first: 2,
                },
              },
            },
          },
        ],
      }),
    );
    assert.deepEqual(
      journal.run.map((entry) => entry.status),
      ['succeeded', 'succeeded'],
    );
    const proxy = (await harness.api('GET', '/proxies/orders')).json;
    assert.equal(proxy.protocol, 'http');
    assert.deepEqual(proxy.toxics[0].attributes, {
      action: 'respond',
      status: 503,
      body: '',
      headers: { 'retry-after': '1' },
      match: { method: ['POST'] },
      first: 2,
    });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const reply = await request(`http://${proxy.listen}/orders`, { method: 'POST', body: '{}' });
      statuses.push(reply.statusCode);
      await reply.body.text();
    }
    assert.deepEqual(statuses, [503, 503, 200]);
  });

  test('an HTTP toxic with a bad match is refused when the experiment is validated', async () => {
    await createProxy(harness, 'checked', upstream.address, { protocol: 'http' });
    await assert.rejects(
      run(
        experiment({
          configuration: { faultline_url: harness.url },
          method: [
            {
              type: 'action',
              name: 'typo',
              provider: {
                type: 'faultline',
                module: 'toxics',
                func: 'add',
                arguments: { proxy: 'checked', type: 'http_abort', attributes: { match: { verb: 'POST' } } },
              },
            },
          ],
        }),
      ),
      /unknown match key "verb"/,
    );
  });
});
