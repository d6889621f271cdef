import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { createHttpFaults } from '../src/inject/index.js';
import { waitFor } from './helpers.js';
import { type App, startApp } from './inject-helpers.js';
import { startBrowser } from './browser-helpers.js';

/**
 * The attacks of security issue #19 against a real app on loopback (its own process, faults
 * switched on, the admin route opted into): each must fail with a clear message, and the
 * legitimate use must still work.
 */
const token = 'the-real-token-0123456789abcdef';
const adminPath = '/__faultline/faults';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function call(app: App, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<Reply>((resolve, reject) => {
    const request = http.request(`${app.url}${path}`, { method, headers }, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, headers: response.headers, body: text }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

const json = { 'Content-Type': 'application/json' };
const bearer = { Authorization: `Bearer ${token}` };
const evilFault = JSON.stringify([{ status: 503, body: 'owned by the attacker' }]);

async function assertHealthy(app: App) {
  const home = await fetch(`${app.url}/home`);
  assert.deepEqual([home.status, await home.text()], [200, 'app GET /home']);
}

const app = await startApp('http', { admin: { token } }, '1');

describe('attacks on the admin route fail with a clear message', () => {
  test('a text/plain POST from a page on another site, in Chromium, is refused', async () => {
    const attacker = http.createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end(`<!doctype html><script>
        fetch(${JSON.stringify(app.url + adminPath)}, { method: 'POST', mode: 'no-cors',
          headers: { 'Content-Type': 'text/plain' }, body: ${JSON.stringify(evilFault)} })
          .finally(() => { document.body.dataset.sent = 'yes'; });
      </script>`);
    });
    attacker.listen(0, '127.0.0.1');
    await once(attacker, 'listening');
    after(() => attacker.close());
    const browser = await startBrowser();
    const page = await browser.newPage();
    // localhost and 127.0.0.1 are different sites: the browser sends Sec-Fetch-Site: cross-site.
    await page.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
    await page.waitForSelector('body[data-sent="yes"]', { state: 'attached', timeout: 20_000 });
    await waitFor(
      () => app.stderr().includes(`request POST ${adminPath} cross-site`),
      'the attack to arrive',
    );
    await assertHealthy(app);
  });

  test('cross-site and foreign-origin requests are refused even with the token', async () => {
    const crossSite = await call(
      app,
      'PUT',
      adminPath,
      { ...bearer, ...json, Origin: 'http://evil.example', 'Sec-Fetch-Site': 'cross-site' },
      evilFault,
    );
    assert.equal(crossSite.status, 403);
    assert.deepEqual(JSON.parse(crossSite.body), {
      error:
        'refused a cross-site request (Sec-Fetch-Site: cross-site): the fault admin route answers only same-origin pages and non-browser clients',
    });
    const sameSite = await call(
      app,
      'PUT',
      adminPath,
      { ...bearer, ...json, 'Sec-Fetch-Site': 'same-site' },
      evilFault,
    );
    assert.equal(sameSite.status, 403);
    const foreign = await call(
      app,
      'PUT',
      adminPath,
      { ...bearer, ...json, Origin: 'http://evil.example' },
      evilFault,
    );
    assert.deepEqual(
      [foreign.status, JSON.parse(foreign.body)],
      [
        403,
        {
          error: `refused a request from origin http://evil.example: the fault admin route answers only its own origin (${app.url.slice('http://'.length)})`,
        },
      ],
    );
    const opaque = await call(app, 'PUT', adminPath, { ...bearer, ...json, Origin: 'null' }, evilFault);
    assert.equal(opaque.status, 403);
    await assertHealthy(app);
  });

  test('no token, a malformed header and a wrong token get 401', async () => {
    const none = await call(app, 'PUT', adminPath, json, evilFault);
    assert.deepEqual(
      [none.status, JSON.parse(none.body), none.headers['www-authenticate']],
      [
        401,
        { error: 'the fault admin route needs "Authorization: Bearer <token>"' },
        'Bearer realm="faultline"',
      ],
    );
    const basic = await call(app, 'GET', adminPath, { Authorization: `Basic ${token}` });
    assert.deepEqual(
      [basic.status, JSON.parse(basic.body)],
      [401, { error: 'the Authorization header must be "Bearer <token>"' }],
    );
    const wrong = await call(
      app,
      'PUT',
      adminPath,
      { ...json, Authorization: `Bearer ${token}x` },
      evilFault,
    );
    assert.deepEqual(
      [wrong.status, JSON.parse(wrong.body)],
      [401, { error: 'wrong token for the fault admin route' }],
    );
    const reading = await call(app, 'GET', adminPath, {});
    assert.equal(reading.status, 401, 'reading the faults needs the token too');
    await assertHealthy(app);
  });

  test('a text/plain body is refused with 415, even with the token; POST is not a method here', async () => {
    const plain = await call(app, 'PUT', adminPath, { ...bearer, 'Content-Type': 'text/plain' }, evilFault);
    assert.deepEqual(
      [plain.status, JSON.parse(plain.body)],
      [415, { error: 'send the faults as application/json; received Content-Type "text/plain"' }],
    );
    const post = await call(app, 'POST', adminPath, { ...bearer, ...json }, evilFault);
    assert.deepEqual(
      [post.status, JSON.parse(post.body), post.headers.allow],
      [405, { error: 'POST is not served here; use GET, PUT or DELETE' }, 'GET, PUT, DELETE'],
    );
    await assertHealthy(app);
  });

  test('a 400 MB body is refused from its Content-Length, before any of it is read', async () => {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const request = http.request(`${app.url}${adminPath}`, {
        method: 'PUT',
        headers: { ...bearer, ...json, 'Content-Length': String(400 * 1024 * 1024) },
      });
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode!, headers: response.headers, body: text }),
        );
      });
      request.on('error', reject);
      request.flushHeaders();
    });
    assert.deepEqual(
      [reply.status, JSON.parse(reply.body)],
      [413, { error: 'the body is 419430400 bytes; the fault admin route takes at most 65536 bytes' }],
    );
    await assertHealthy(app);
  });

  test('a streamed body without a length is cut off just past the cap: the app stops reading', async () => {
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const limit = 400 * 1024 * 1024;
    let written = 0;
    const reply = await new Promise<Reply>((resolve, reject) => {
      const request = http.request(`${app.url}${adminPath}`, {
        method: 'PUT',
        headers: { ...bearer, ...json },
      });
      let answered = false;
      request.on('response', (response) => {
        answered = true;
        let text = '';
        response.on('data', (data) => (text += data));
        response.on('end', () =>
          resolve({ status: response.statusCode!, headers: response.headers, body: text }),
        );
      });
      request.on('error', (error) => (answered ? undefined : reject(error)));
      const pump = () => {
        while (!answered && written < limit) {
          written += chunk.length;
          if (!request.write(chunk)) return void request.once('drain', pump);
        }
      };
      pump();
    });
    assert.deepEqual(
      [reply.status, JSON.parse(reply.body)],
      [413, { error: 'the body is over 65536 bytes; the fault admin route takes at most 65536 bytes' }],
    );
    assert.ok(
      written < 64 * 1024 * 1024,
      `the client could write only ${written} of ${limit} bytes before the refusal`,
    );
    await assertHealthy(app);
  });

  test('a backtracking rule (^/(a+)+$) is harmless: patterns run on RE2 in linear time', async () => {
    const put = await call(
      app,
      'PUT',
      adminPath,
      { ...bearer, ...json },
      JSON.stringify([{ url: '^/(a+)+$', status: 503 }]),
    );
    assert.equal(put.status, 200, put.body);
    after(() => call(app, 'DELETE', adminPath, bearer));
    const attack = `/${'a'.repeat(64)}!`;
    const answer = await fetch(`${app.url}${attack}`, { signal: AbortSignal.timeout(30_000) });
    assert.deepEqual([answer.status, await answer.text()], [200, `app GET ${attack}`]);
    assert.equal((await fetch(`${app.url}/aaaa`)).status, 503, 'the rule still matches what it should');
    const lookahead = await call(
      app,
      'PUT',
      adminPath,
      { ...bearer, ...json },
      JSON.stringify([{ url: '^/(?=a)', status: 503 }]),
    );
    assert.equal(lookahead.status, 400);
    assert.match(
      JSON.parse(lookahead.body).error,
      /^url in fault 1: invalid pattern "\^\/\(\?=a\)": .* Patterns use RE2 syntax \(matching in linear time\), which has no lookahead, lookbehind or backreferences$/,
    );
  });

  test('bad JSON and a bad fault get 400 with the reason', async () => {
    const broken = await call(app, 'PUT', adminPath, { ...bearer, ...json }, '[{"status": 503');
    assert.equal(broken.status, 400);
    assert.match(JSON.parse(broken.body).error, /^the body is not valid JSON: /);
    const unknown = await call(app, 'PUT', adminPath, { ...bearer, ...json }, '[{"stauts": 503}]');
    assert.equal(unknown.status, 400);
    assert.match(JSON.parse(unknown.body).error, /unknown field "stauts"/);
    await assertHealthy(app);
  });
});

describe('the legitimate use still works', () => {
  test('JSON with the token, from a same-origin page or a tool, reads, replaces and clears the faults', async () => {
    const sameOrigin = { Origin: app.url, 'Sec-Fetch-Site': 'same-origin' };
    const put = await call(
      app,
      'PUT',
      adminPath,
      { ...bearer, ...sameOrigin, 'Content-Type': 'application/json; charset=utf-8' },
      JSON.stringify([{ name: 'slow-api', url: '^/api', status: 503 }]),
    );
    assert.equal(put.status, 200, put.body);
    assert.deepEqual(JSON.parse(put.body), {
      faults: [
        {
          name: 'slow-api',
          url: '^/api',
          status: 503,
          explanation: 'answers requests whose URL matches "^/api" with status 503',
        },
      ],
    });
    assert.equal((await fetch(`${app.url}/api/x`)).status, 503);
    assert.equal((await call(app, 'GET', adminPath, bearer)).status, 200);
    const cleared = await call(app, 'DELETE', adminPath, bearer);
    assert.deepEqual([cleared.status, JSON.parse(cleared.body)], [200, { faults: [] }]);
    assert.equal((await fetch(`${app.url}/api/x`)).status, 200);
  });

  for (const framework of ['express', 'fastify'] as const) {
    test(`${framework}: the same admin route works, and still refuses text/plain`, async () => {
      const other = await startApp(framework, { admin: { token } }, '1');
      const put = await call(
        other,
        'PUT',
        adminPath,
        { ...bearer, ...json },
        JSON.stringify([{ url: '^/api', status: 429 }]),
      );
      assert.equal(put.status, 200, put.body);
      assert.equal((await fetch(`${other.url}/api/x`)).status, 429);
      const plain = await call(
        other,
        'PUT',
        adminPath,
        { ...bearer, 'Content-Type': 'text/plain' },
        evilFault,
      );
      assert.equal(plain.status, 415);
      const home = await fetch(`${other.url}/home`);
      assert.deepEqual([home.status, await home.text()], [200, 'app GET /home']);
    });
  }

  test('with faults on but no admin option there is no admin route', async () => {
    const plain = await startApp('http', { faults: [] }, '1');
    const reply = await call(plain, 'PUT', adminPath, { ...bearer, ...json }, evilFault);
    assert.deepEqual([reply.status, reply.body], [200, `app PUT ${adminPath}`]);
  });

  test('options are checked: the old adminPath, a short token and an unknown key are refused', () => {
    assert.throws(
      () => createHttpFaults({ enabled: true, adminPath: '/x' } as never),
      /"adminPath" was replaced by "admin": \{ token, path \}; the admin route is off unless you give it a token/,
    );
    assert.throws(
      () => createHttpFaults({ enabled: true, admin: { token: 'short' } }),
      /invalid admin.token in createHttpFaults options: the token must be 16 characters or more/,
    );
    assert.throws(() => createHttpFaults({ enabled: true, admn: {} } as never), /unknown field "admn"/);
  });
});
