import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { arm } from '../src/inject/apply.js';
import { installFetchFaults } from '../src/inject/outbound.js';

describe('an injected fetch status says which URL answered, as a response from the network does', () => {
  test('response.url is the URL asked for, from a string, a URL or a Request', async () => {
    const undo = installFetchFaults(arm([{ url: '/down', status: 503 }], ['status'], 'fetch fault'));
    try {
      assert.equal((await fetch('http://127.0.0.1:9/down?x=1')).url, 'http://127.0.0.1:9/down?x=1');
      assert.equal((await fetch(new URL('http://127.0.0.1:9/down'))).url, 'http://127.0.0.1:9/down');
      assert.equal(
        (await fetch(new Request('http://127.0.0.1:9/down/a b'))).url,
        'http://127.0.0.1:9/down/a%20b',
      );
      assert.equal((await fetch('HTTP://127.0.0.1:9/down')).url, 'http://127.0.0.1:9/down');
    } finally {
      undo();
    }
  });
});
