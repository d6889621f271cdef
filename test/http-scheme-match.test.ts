import assert from 'node:assert/strict';
import https from 'node:https';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openLocalCa } from '../src/system/local-ca.js';
import { createProxy, startHarness, tempDirectory } from './helpers.js';
import { startHttpUpstream } from './http-helpers.js';

/**
 * Envoy gives every request its `:scheme`, and a header matcher on it works whatever the HTTP
 * version. An HTTP/1.1 request carries none: faultline gives it `https` when the proxy
 * terminated TLS for it, else `http`, so a toxic matching `:scheme` acts on HTTP/1.1 requests
 * too, rather than never.
 */
const ca = await openLocalCa(join(tempDirectory('http-scheme'), 'ca'));
const harness = await startHarness({ issueCertificate: (hosts) => ca.issue(hosts) });
const upstream = await startHttpUpstream();

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: ca.certificatePem }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

async function abortOnScheme(proxy: string, scheme: string) {
  const reply = await harness.api('POST', `/proxies/${proxy}/toxics`, {
    name: `only_${scheme}`,
    type: 'http_abort',
    attributes: { status: 418, match: { headers: { ':scheme': scheme } } },
  });
  assert.equal(reply.status, 200, reply.text);
}

describe(':scheme on HTTP/1.1 requests', () => {
  it('is https through a proxy that terminates TLS', async () => {
    const proxy = await createProxy(harness, 'secure', upstream.address, {
      protocol: 'http',
      tls: { auto: true },
    });
    await abortOnScheme(proxy.name, 'https');
    assert.equal(await get(`https://127.0.0.1:${proxy.port}/x`), 418);
  });

  it('is http through a plain proxy, where https never matches', async () => {
    const proxy = await createProxy(harness, 'plain', upstream.address, { protocol: 'http' });
    await abortOnScheme(proxy.name, 'http');
    assert.equal((await fetch(`http://127.0.0.1:${proxy.port}/x`)).status, 418);
    await harness.api('DELETE', `/proxies/${proxy.name}/toxics/only_http`);
    await abortOnScheme(proxy.name, 'https');
    assert.equal((await fetch(`http://127.0.0.1:${proxy.port}/x`)).status, 200);
  });
});
