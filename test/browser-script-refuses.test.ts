import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserScript } from '../src/browser/bundle.js';

test('the browser script refuses faults a page cannot act on, instead of reporting them as done', () => {
  for (const [fault, refusal] of [
    [{ nullify: true }, /browser fault 1: "nullify" does not apply in a page/],
    [{ slowBody: 100 }, /browser fault 1: "slowBody" does not apply in a page/],
    [
      { methods: ['query'], status: 503 },
      /browser fault 1: "methods" never matches in a page.*"httpMethods"/,
    ],
    [{ header: { name: 'x-canary' }, status: 503 }, /browser fault 1: "header" never matches in a page/],
  ] as const)
    assert.throws(() => browserScript([fault as never]), refusal, JSON.stringify(fault));
});

test('the browser script takes what a page acts on', () => {
  const script = browserScript([
    { url: '/api/', httpMethods: ['POST'], status: 503, delay: 10, window: { afterMs: 0 } },
    { error: 'boom', probability: 0.5 },
    { abort: true },
  ] as never);
  assert.match(script, /__FAULTLINE_CONFIG__/);
});
