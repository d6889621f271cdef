import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { arm } from '../src/inject/apply.js';
import { installFetchFaults } from '../src/inject/outbound.js';

describe("a fetch fault honours the app's AbortSignal, as a slow network call would", () => {
  test('a timeout shorter than the delay rejects with its reason when it fires, never with the fault', async () => {
    const undo = installFetchFaults(
      arm(
        [
          { url: '/slow-status$', delay: 10_000, status: 503 },
          { url: '/slow$', delay: 10_000 },
        ],
        ['status'],
        'fetch fault',
      ),
    );
    try {
      for (const path of ['/slow-status', '/slow']) {
        const started = performance.now();
        await assert.rejects(fetch(`http://127.0.0.1:9${path}`, { signal: AbortSignal.timeout(50) }), {
          name: 'TimeoutError',
        });
        assert.ok(performance.now() - started < 5_000, `${path}: the timeout ended the delay`);
      }
      const cancel = new AbortController();
      const request = new Request('http://127.0.0.1:9/slow-status', { signal: cancel.signal });
      const pending = fetch(request);
      cancel.abort(new Error('user left'));
      await assert.rejects(pending, /user left/);
    } finally {
      undo();
    }
  });

  test('a signal aborted before the call rejects at once, even for a fault with no delay', async () => {
    const undo = installFetchFaults(arm([{ url: '/down$', status: 503 }], ['status'], 'fetch fault'));
    try {
      const cancel = new AbortController();
      cancel.abort();
      await assert.rejects(fetch('http://127.0.0.1:9/down', { signal: cancel.signal }), {
        name: 'AbortError',
      });
    } finally {
      undo();
    }
  });
});
