import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverUrl } from '../src/experiment/providers/server-address.js';

test("an empty or zero toxiproxy_port means 8474, as chaostoolkit-toxiproxy's `if not toxiproxy_port` reads it", () => {
  for (const port of ['', 0, null]) {
    assert.equal(serverUrl({ toxiproxy_host: 'proxyhost', toxiproxy_port: port }), 'http://proxyhost:8474');
  }
  assert.equal(serverUrl({ toxiproxy_host: 'proxyhost', toxiproxy_port: '18474' }), 'http://proxyhost:18474');
});
