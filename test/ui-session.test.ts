import assert from 'node:assert/strict';
import { once } from 'node:events';
import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { isFaultlineError } from '../src/model/errors.js';
import { createUiSessions } from '../src/server/ui-session.js';
import { launchChromium, startEchoServer, startHarness } from './helpers.js';

const browserAgent = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0 Safari/537.36';
const harness = await startHarness();
const echo = await startEchoServer();
const port = new URL(harness.url).port;
const cookieName = `faultline_ui_${port}`;

/** Opens the dashboard as a browser would: its cookie and the token from the page's meta tag. */
async function openDashboard() {
  const reply = await harness.api('GET', '/ui/', undefined, { 'User-Agent': browserAgent });
  assert.equal(reply.status, 200);
  const cookie = (reply.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const token = /<meta name="faultline-csrf" content="([^"]+)">/.exec(reply.text)?.[1] ?? '';
  return { cookie, token, reply };
}

const createBody = (name: string) => ({ name, listen: '127.0.0.1:0', upstream: echo.address });

describe('the dashboard page and its session', () => {
  test('GET /ui/ sends the page with a strict CSP and an HttpOnly, SameSite=Strict session cookie', async () => {
    const { cookie, token, reply } = await openDashboard();
    assert.equal(
      reply.headers.get('content-security-policy'),
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    assert.equal(reply.headers.get('cache-control'), 'no-store');
    assert.equal(reply.headers.get('x-frame-options'), 'DENY');
    assert.match(
      reply.headers.get('set-cookie') ?? '',
      new RegExp(`^${cookieName}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200$`),
    );
    assert.match(cookie, new RegExp(`^${cookieName}=`));
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.match(reply.text, /<script type="module" src="assets\/app.js"><\/script>/);
    assert.match(reply.text, /<link rel="icon" href="data:,">/, 'no request for /favicon.ico, so no 404');
    assert.doesNotMatch(reply.text, /<script>|https?:\/\//, 'no inline script and no other origin');
  });

  test('a page load with a live session keeps it; /ui redirects to ui/ (relative, so a path prefix survives)', async () => {
    const first = await openDashboard();
    const again = await harness.api('GET', '/ui/', undefined, {
      'User-Agent': browserAgent,
      Cookie: first.cookie,
    });
    assert.equal(again.headers.get('set-cookie'), null);
    assert.match(again.text, new RegExp(`content="${first.token}"`));
    const redirect = await fetch(`${harness.url}/ui`, { redirect: 'manual' });
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.get('location'), 'ui/');
  });

  test('the script and stylesheet are served from the package, anything else under assets is 404', async () => {
    const script = await harness.api('GET', '/ui/assets/app.js', undefined, { 'User-Agent': browserAgent });
    assert.equal(script.status, 200);
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.ok(script.text.length > 1000, `the bundle is ${script.text.length} characters`);
    const style = await harness.api('GET', '/ui/assets/style.css');
    assert.equal(style.headers.get('content-type'), 'text/css; charset=utf-8');
    for (const path of [
      '/ui/assets/..%2F..%2Fpackage.json',
      '/ui/assets/app.json',
      '/ui/assets/missing.js',
    ]) {
      const reply = await harness.api('GET', path);
      assert.equal(reply.status, 404, path);
      assert.equal(reply.text, '404 page not found\n', path);
    }
  });

  test('with its cookie and token a browser drives the API; without both it gets Toxiproxy’s 403', async () => {
    const { cookie, token } = await openDashboard();
    const asDashboard = { 'User-Agent': browserAgent, Cookie: cookie, 'X-Faultline-CSRF': token };
    const created = await harness.api('POST', '/proxies', createBody('from_dashboard'), asDashboard);
    assert.equal(created.status, 201, created.text);

    const cookieOnly = await harness.api('POST', '/proxies', createBody('cookie_only'), {
      'User-Agent': browserAgent,
      Cookie: cookie,
    });
    assert.equal(cookieOnly.status, 403);
    assert.equal(cookieOnly.text, 'User agent not allowed\n');
    assert.deepEqual(
      harness.engine.list().map((proxy) => proxy.name),
      ['from_dashboard'],
    );
    await harness.api('DELETE', '/proxies/from_dashboard');
  });

  test('a request that claims to be the dashboard and is not is refused, saying why, and changes nothing', async () => {
    const { cookie, token } = await openDashboard();
    const cases: Array<[string, Record<string, string>, string, string]> = [
      [
        'token without cookie',
        { 'X-Faultline-CSRF': token },
        'FAULTLINE_ERR_DASHBOARD_SESSION',
        'dashboard session missing',
      ],
      [
        'wrong token',
        { Cookie: cookie, 'X-Faultline-CSRF': 'A'.repeat(43) },
        'FAULTLINE_ERR_DASHBOARD_SESSION',
        'dashboard token does not match',
      ],
      [
        'unknown session',
        { Cookie: `${cookieName}=${'x'.repeat(43)}`, 'X-Faultline-CSRF': token },
        'FAULTLINE_ERR_DASHBOARD_SESSION',
        'dashboard session expired',
      ],
      [
        'same-site page on another port',
        { Cookie: cookie, 'X-Faultline-CSRF': token, 'Sec-Fetch-Site': 'same-site' },
        'FAULTLINE_ERR_DASHBOARD_SESSION',
        'dashboard request from another origin',
      ],
      [
        'foreign Origin',
        { Cookie: cookie, 'X-Faultline-CSRF': token, Origin: 'http://127.0.0.1:1' },
        'FAULTLINE_ERR_CROSS_ORIGIN',
        'cross-origin request refused',
      ],
    ];
    for (const [what, headers, code, error] of cases) {
      const reply = await harness.api('POST', '/proxies', createBody('refused'), {
        'User-Agent': browserAgent,
        ...headers,
      });
      assert.equal(reply.status, 403, what);
      assert.equal(reply.json.code, code, what);
      assert.equal(reply.json.error, error, what);
      assert.equal(typeof reply.json.hint, 'string', what);
    }
    assert.deepEqual(harness.engine.list(), []);
  });

  test('sessions expire after 12 hours and at most 64 live at once, the oldest going first', () => {
    let now = 0;
    const sessions = createUiSessions(() => now);
    const host = '127.0.0.1:8474';
    const open = () => {
      const headers: Record<string, string> = {};
      const response = { setHeader: (name: string, value: string) => (headers[name] = value) };
      const token = sessions.open({ host }, response as unknown as ServerResponse);
      return { token, cookie: (headers['Set-Cookie'] ?? '').split(';')[0] ?? '' };
    };
    const verify = ({ token, cookie }: { token: string; cookie: string }) => {
      const verdict = sessions.verify({ host, cookie, 'x-faultline-csrf': token } as IncomingHttpHeaders);
      return isFaultlineError(verdict) ? verdict.reason : verdict;
    };
    const first = open();
    assert.equal(verify(first), 'valid');
    now = 12 * 60 * 60 * 1000 - 1;
    assert.equal(verify(first), 'valid');
    now += 1;
    assert.equal(verify(first), 'dashboard session expired');

    const opened = Array.from({ length: 65 }, open);
    assert.equal(verify(opened[0]!), 'dashboard session expired');
    assert.equal(verify(opened[1]!), 'valid');
    assert.equal(verify(opened[64]!), 'valid');
    assert.equal(sessions.verify({ host }), 'absent');
  });
});

describe('other pages in a real browser cannot drive the API', () => {
  let browser: Browser;
  const evil = http.createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end('<!doctype html><title>elsewhere</title>');
  });
  after(async () => {
    await browser?.close();
    evil.closeAllConnections();
    evil.close();
  });

  test('a page on another port of 127.0.0.1 (same site, so the cookie is sent) changes nothing', async () => {
    browser = await launchChromium();
    evil.listen(0, '127.0.0.1');
    await once(evil, 'listening');
    const context = await browser.newContext();
    const dashboard = await context.newPage();
    await dashboard.goto(`${harness.url}/ui/`);
    await dashboard.waitForSelector('.proxies');
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
    const outcomes = await page.evaluate(async (api) => {
      const body = JSON.stringify({ name: 'evil', listen: '0.0.0.0:0', upstream: '127.0.0.1:22' });
      const attempt = async (init: RequestInit, url = `${api}/proxies`) => {
        try {
          const response = await fetch(url, { method: 'POST', body, credentials: 'include', ...init });
          return `answered ${response.type} ${response.status}`;
        } catch (error) {
          return `threw ${(error as Error).name}`;
        }
      };
      return {
        simple: await attempt({ mode: 'no-cors', headers: { 'Content-Type': 'text/plain' } }),
        withHeader: await attempt({ headers: { 'X-Faultline-CSRF': 'guess' } }),
        readPage: await attempt({ method: 'GET', body: null }, `${api}/ui/`),
      };
    }, harness.url);
    // A no-cors request is sent but its answer is opaque; the header needs a preflight, which the
    // server never grants; the page cannot read the dashboard (and its token) either.
    assert.deepEqual(outcomes, {
      simple: 'answered opaque 0',
      withHeader: 'threw TypeError',
      readPage: 'threw TypeError',
    });
    assert.deepEqual(harness.engine.list(), []);

    // The dashboard's own origin without the token is refused as well: the cookie alone is not enough.
    const status = await dashboard.evaluate(async () => {
      const body = JSON.stringify({ name: 'no_token', listen: '127.0.0.1:0', upstream: '127.0.0.1:22' });
      const response = await fetch('/proxies', { method: 'POST', body });
      return `${response.status} ${await response.text()}`;
    });
    assert.equal(status, '403 User agent not allowed\n');
    assert.deepEqual(harness.engine.list(), []);
    await context.close();
  });
});
