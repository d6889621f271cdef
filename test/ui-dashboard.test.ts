import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { after, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  connect,
  createProxy,
  launchChromium,
  readBytes,
  startEchoServer,
  startHarness,
  waitFor,
} from './helpers.js';
import { createUdpProxy, startUdpEcho, udpClient } from './udp-helpers.js';

// No metrics flag: the rates must show without /metrics.
const harness = await startHarness({}, { metrics: { proxy: false, runtime: false } });
const echo = await startEchoServer();
const browser: Browser = await launchChromium();
after(() => browser.close());

/** What the browser reported against the page: script errors and refusals by its CSP. */
const pageProblems: string[] = [];

async function openDashboard(viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  page.on('pageerror', (error) => pageProblems.push(`error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/.test(message.text()))
      pageProblems.push(`csp: ${message.text()}`);
  });
  await page.goto(`${harness.url}/ui/`);
  await page.waitForSelector('.proxies');
  return page;
}

const focusedText = (page: Page) =>
  page.evaluate(() => (globalThis as any).document.activeElement?.textContent?.trim() as string | undefined);

/**
 * Runs `act`, then gives the text of the element that had the focus when `selector` left the page,
 * read by a MutationObserver in the same turn: a focus handed back a frame later (after a paint, where
 * a screen reader announces the page body) reads as the body.
 */
async function focusWhenRemoved(page: Page, selector: string, act: () => Promise<void>): Promise<string> {
  await page.evaluate((watched) => {
    const doc = (globalThis as any).document;
    const seen = globalThis as any;
    seen.focusAtRemoval = undefined;
    const observer = new (globalThis as any).MutationObserver(() => {
      if (doc.querySelector(watched) !== null) return;
      seen.focusAtRemoval =
        doc.activeElement === doc.body ? '<body>' : doc.activeElement?.textContent?.trim();
      observer.disconnect();
    });
    observer.observe(doc.body, { childList: true, subtree: true });
  }, selector);
  await act();
  const handle = await page.waitForFunction(() => (globalThis as any).focusAtRemoval as string | undefined);
  return (await handle.jsonValue()) as string;
}

/** Milliseconds for one 4-byte round trip through the proxy to the echo server. */
async function roundTrip(port: number): Promise<number> {
  const socket = await connect(port);
  const started = performance.now();
  const reply = readBytes(socket, 4);
  socket.write('ping');
  assert.equal((await reply).toString(), 'ping');
  const elapsed = performance.now() - started;
  socket.destroy();
  return elapsed;
}

const toxicNames = (proxy: string) =>
  harness.engine
    .get(proxy)
    .toxics.map((toxic) => toxic.name)
    .sort();

describe('the dashboard in headless Chromium', () => {
  let alpha: { port: number; listen: string };

  test('lists every proxy with its protocol, state, addresses and each toxic’s explain() sentence', async () => {
    alpha = await createProxy(harness, 'alpha', echo.address);
    await createProxy(harness, 'beta', '127.0.0.1:1', { enabled: false });
    const added = await harness.api('POST', '/proxies/beta/toxics', {
      name: 'lag',
      type: 'latency',
      toxicity: 0.5,
      attributes: { latency: 100 },
    });
    assert.equal(added.status, 200, added.text);
    const page = await openDashboard();
    const cards = page.locator('article.proxy');
    await waitFor(async () => (await cards.count()) === 2, 'two proxy cards');
    assert.deepEqual(
      await cards.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-proxy'))),
      ['alpha', 'beta'],
    );
    const beta = page.locator('[data-proxy="beta"]');
    assert.equal(await beta.locator('.badge.protocol').textContent(), 'tcp');
    assert.equal(await beta.locator('.badge.state').textContent(), 'disabled');
    assert.equal(await beta.locator('.addresses').textContent(), '127.0.0.1:0 → 127.0.0.1:1');
    assert.equal(
      await beta.locator('[data-toxic="lag"] .explain').textContent(),
      'lag: on 50% of connections, delays data by 100 ms (downstream)',
    );
    const alphaCard = page.locator('[data-proxy="alpha"]');
    assert.equal(await alphaCard.locator('.badge.state').textContent(), 'enabled');
    assert.equal(await alphaCard.locator('.addresses').textContent(), `${alpha.listen} → ${echo.address}`);
    assert.equal(await alphaCard.locator('.empty').textContent(), 'No toxics: traffic passes untouched.');
    await page.close();
  });

  test('a toxic added through the form (with the keyboard) slows the next request, and the timeline shows it fire', async () => {
    const page = await openDashboard();
    const card = page.locator('[data-proxy="alpha"]');
    await card.getByRole('button', { name: 'Add toxic' }).click();
    assert.equal(
      await page.evaluate(() => (globalThis as any).document.activeElement?.getAttribute('name') as string),
      'type',
      'the keyboard focus moves into the form it opened',
    );
    await card.getByLabel('Type').selectOption('latency');
    await card.getByLabel('Name').fill('slow');
    await card.getByLabel('latency (ms)').fill('400');
    await card.getByLabel('latency (ms)').press('Enter');
    await card.locator('[data-toxic="slow"]').waitFor();
    assert.equal(
      await focusedText(page),
      'Add toxic',
      'the focus returns to the button that opened the form',
    );
    assert.equal(
      await card.locator('[data-toxic="slow"] .explain').textContent(),
      'slow: on every connection, delays data by 400 ms (downstream)',
    );
    assert.deepEqual(harness.engine.get('alpha').toxic('slow'), {
      name: 'slow',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 400, jitter: 0 },
    });

    const elapsed = await roundTrip(alpha.port);
    assert.ok(elapsed >= 400, `the round trip took ${elapsed} ms, less than the 400 ms latency`);

    // 4 bytes each way, spread over 2 s scrape intervals: each direction shows about 2 B/s in
    // the interval it fell in (the two may fall in different ones, 400 ms apart).
    const rate = card.locator('.rate');
    const seen = { up: false, down: false };
    await waitFor(
      async () => {
        const text = (await rate.textContent()) ?? '';
        seen.up ||= /↑ [1-9]\d* B\/s/.test(text);
        seen.down ||= /↓ [1-9]\d* B\/s/.test(text);
        return seen.up && seen.down;
      },
      'a rate above zero each way',
      10_000,
    );
    const fired = page.locator('.event[data-type="toxic.fired"] .what');
    await fired.first().waitFor({ timeout: 10_000 });
    assert.equal(
      await fired.first().textContent(),
      'alpha: slow (latency, downstream) delay on connection #1',
    );
    const added = page.locator('.event[data-type="toxic.added"] .what');
    assert.equal(
      await added.first().textContent(),
      'alpha: added slow: on every connection, delays data by 400 ms (downstream)',
    );
    await page.close();
  });

  test('a bad value shows the server’s message next to its field, and nothing is added', async () => {
    const page = await openDashboard();
    const card = page.locator('[data-proxy="alpha"]');
    await card.getByRole('button', { name: 'Add toxic' }).click();
    await card.getByLabel('Name').fill('bad');
    const latency = card.getByLabel('latency (ms)');
    const expectations: Array<[string, string, string | null]> = [
      [
        '-5',
        'invalid attribute latency of latency toxic "bad"',
        'received -5; expected a whole number of ms from 0 to 86400000 (delay added to every chunk)',
      ],
      [
        'soon',
        'bad request body: json: cannot unmarshal string into Go struct field LatencyToxic.attributes.latency of type int64',
        'attribute latency of latency toxic "bad": received "soon"; expected a whole number of ms from 0 to 86400000 (delay added to every chunk)',
      ],
    ];
    for (const [value, error, hint] of expectations) {
      await latency.fill(value);
      await card.getByRole('button', { name: 'Add toxic' }).click();
      const field = card.locator('.field.invalid');
      await waitFor(
        async () => (await field.locator('.error strong').textContent()) === error,
        `"${error}"`,
        10_000,
      );
      assert.equal(await field.locator('label').textContent(), 'latency (ms)');
      assert.equal(await field.locator('.error .hint').textContent(), hint);
      assert.equal(await latency.getAttribute('aria-invalid'), 'true');
      assert.equal(await field.locator('.error').getAttribute('role'), 'alert');
    }
    await latency.fill('');
    const more = card.getByLabel('Other attributes (JSON object, optional)');
    await more.fill('{"latncy": 5}');
    await card.getByRole('button', { name: 'Add toxic' }).click();
    const moreField = card.locator('.field.invalid');
    await waitFor(
      async () => (await moreField.locator('textarea').count()) === 1,
      'the message at the JSON field',
    );
    assert.equal(
      await moreField.locator('.error strong').textContent(),
      'bad request body: json: unknown field "latncy"',
    );
    await more.fill('{oops');
    await card.getByRole('button', { name: 'Add toxic' }).click();
    await waitFor(
      async () => /^not JSON: /.test((await moreField.locator('.error strong').textContent()) ?? ''),
      'the page says the text is not JSON',
    );
    await more.fill('');
    await latency.fill('5');
    const toxicityInput = card.getByLabel('Toxicity (0–1)');
    for (const [value, error] of [
      ['1.5', 'invalid toxicity in toxic'],
      [
        'often',
        'bad request body: json: cannot unmarshal string into Go struct field ToxicWrapper.toxicity of type float32',
      ],
    ]) {
      await toxicityInput.fill(value!);
      await card.getByRole('button', { name: 'Add toxic' }).click();
      const field = card.locator('.field.invalid');
      await waitFor(
        async () => (await field.locator('.error strong').textContent()) === error,
        `"${error}"`,
        10_000,
      );
      assert.equal(
        await field.locator('label').textContent(),
        'Toxicity (0–1)',
        `the error of toxicity ${value}`,
      );
    }
    assert.deepEqual(toxicNames('alpha'), ['slow']);
    assert.equal(
      await focusWhenRemoved(page, '[data-proxy="alpha"] form', () => toxicityInput.press('Escape')),
      'Add toxic',
      'Escape closes the form and gives the focus back as it goes',
    );

    await page.getByText('New proxy').click();
    const form = page.locator('form[aria-label="New proxy"]');
    await form.getByLabel('Name').fill('gamma');
    await form.getByLabel('Upstream').fill('nohost');
    await form.getByRole('button', { name: 'Create proxy' }).click();
    const upstream = form.locator('.field.invalid');
    await upstream.locator('.error').waitFor();
    assert.equal(await upstream.locator('label').textContent(), 'Upstream');
    assert.equal(
      await upstream.locator('.error strong').textContent(),
      'address nohost: missing port in address',
    );
    await form.getByLabel('Name').fill('');
    await form.getByLabel('Upstream').fill('127.0.0.1:9');
    await form.getByRole('button', { name: 'Create proxy' }).click();
    await waitFor(
      async () =>
        (await form.locator('.field.invalid .error strong').textContent()) === 'missing required field: name',
      'the empty name refused',
    );
    assert.equal(await form.locator('.field.invalid label').textContent(), 'Name');
    await page.getByText('New proxy').click();
    await page.getByText('New proxy').click();
    await form.getByLabel('Name').waitFor();
    assert.equal(await form.locator('.error').count(), 0, 'a form that closes and opens again starts clean');
    assert.deepEqual(
      harness.engine
        .list()
        .map((proxy) => proxy.name)
        .sort(),
      ['alpha', 'beta'],
    );
    await page.close();
  });

  test('a toxic is switched off (toxicity 0) and on again, updated, and removed from its row', async () => {
    const page = await openDashboard();
    const row = page.locator('[data-toxic="slow"]');
    const toxicity = () => harness.engine.get('alpha').toxic('slow').toxicity;
    await row.getByRole('button', { name: 'Turn off' }).click();
    await waitFor(() => toxicity() === 0, 'toxicity 0');
    await waitFor(
      async () =>
        (await row.locator('.explain').textContent()) ===
        'slow: on 0% of connections, delays data by 400 ms (downstream) off',
      'the sentence and the off badge, apart',
    );
    await row.getByRole('button', { name: 'Turn on' }).click();
    await waitFor(() => toxicity() === 1, 'toxicity 1 again');
    await row.getByRole('button', { name: 'Edit' }).click();
    await row.getByLabel('latency (ms)').fill('50');
    await row.getByLabel('latency (ms)').press('Enter');
    await waitFor(() => harness.engine.get('alpha').toxic('slow').attributes.latency === 50, 'latency 50');
    await row.locator('form').waitFor({ state: 'detached' });
    await waitFor(async () => (await focusedText(page)) === 'Edit', 'the focus back on Edit after Enter');
    await waitFor(
      async () =>
        (await row.locator('.explain').textContent()) ===
        'slow: on every connection, delays data by 50 ms (downstream)',
      'the new sentence',
      10_000,
    );
    await row.getByRole('button', { name: 'Remove' }).click();
    await waitFor(() => toxicNames('alpha').length === 0, 'the toxic removed');
    await row.waitFor({ state: 'detached' });
    await waitFor(
      async () => (await focusedText(page)) === 'Add toxic',
      'the focus on Add toxic after Remove',
    );
    await page.close();
  });

  test('a proxy is created, disabled and deleted from the page', async () => {
    const page = await openDashboard();
    await page.getByText('New proxy').click();
    const form = page.locator('form[aria-label="New proxy"]');
    await form.getByLabel('Name').fill('delta');
    await form.getByLabel('Upstream').fill(echo.address);
    await form.getByRole('button', { name: 'Create proxy' }).click();
    const card = page.locator('[data-proxy="delta"]');
    await card.waitFor();
    await card.getByRole('button', { name: 'Disable' }).click();
    await waitFor(() => !harness.engine.get('delta').enabled, 'delta disabled');
    await card.getByRole('button', { name: 'Edit addresses' }).press('Enter');
    assert.equal(
      await focusWhenRemoved(page, '[data-proxy="delta"] form', () =>
        card.getByLabel('Listen').press('Escape'),
      ),
      'Edit addresses',
      'Escape on Edit addresses gives the focus back as the form goes',
    );
    await card.getByRole('button', { name: 'Delete…' }).press('Enter');
    assert.equal(await focusedText(page), 'Keep it', 'the confirmation starts on the safe choice');
    await page.keyboard.press('Escape');
    assert.equal(await focusedText(page), 'Delete…', 'Escape cancels the confirmation');
    assert.equal(harness.engine.get('delta').name, 'delta');
    await card.getByRole('button', { name: 'Delete…' }).press('Enter');
    await card.getByRole('button', { name: 'Delete delta now' }).press('Enter');
    await waitFor(() => !harness.engine.list().some((proxy) => proxy.name === 'delta'), 'delta deleted');
    await card.waitFor({ state: 'detached' });
    await page.close();
  });

  test('it fits 1280×800 and a 390 px phone without sideways scrolling', async () => {
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      const page = await openDashboard(viewport);
      await page.locator('[data-proxy="beta"]').waitFor();
      const width = await page.evaluate(
        () => (globalThis as any).document.documentElement.scrollWidth as number,
      );
      assert.equal(width, viewport.width, `at ${viewport.width} px the page is ${width} px wide`);
      await page.close();
    }
  });

  test('a udp proxy’s timeline says flow #N, not connection #N', async () => {
    const udpEcho = await startUdpEcho();
    const proxy = await createUdpProxy(harness, 'dgram', udpEcho.address);
    const added = await harness.api('POST', '/proxies/dgram/toxics', {
      name: 'lag',
      type: 'udp_latency',
      attributes: { latency: 1 },
    });
    assert.equal(added.status, 200, added.text);
    const page = await openDashboard();
    const client = await udpClient();
    client.send('ping', proxy.port);
    await waitFor(() => client.received.length === 1, 'the echo');
    const fired = page.locator('.event[data-type="toxic.fired"] .what', { hasText: 'dgram:' });
    await fired.first().waitFor({ timeout: 30_000 });
    assert.equal(await fired.first().textContent(), 'dgram: lag (udp_latency, downstream) delay on flow #1');
    await page.getByLabel('connections').check();
    const opened = page.locator('.event[data-type="connection.opened"] .what', { hasText: 'dgram:' });
    await opened.first().waitFor({ timeout: 30_000 });
    assert.match((await opened.first().textContent()) ?? '', /^dgram: flow #1 from 127\.0\.0\.1:\d+$/);
    await page.close();
    assert.equal((await harness.api('DELETE', '/proxies/dgram')).status, 204);
  });

  test('no page ran into a script error or a refusal by its Content-Security-Policy', () => {
    assert.deepEqual(pageProblems, []);
  });
});

describe('runs, left-behind faults and halt against the /runs, /ledger and /halt contracts', () => {
  const runs = [
    {
      id: 'r1',
      title: 'checkout survives a slow database',
      status: 'interrupted',
      started_at: '2026-12-01T10:00:00.000Z',
      ended_at: '2026-12-01T10:01:00.000Z',
      report: '/runs/r1/report',
      halted: 'halted from the dashboard',
    },
    {
      id: 'r2',
      title: 'sneaky',
      status: 'running',
      started_at: '2026-12-01T10:02:00.000Z',
      report: 'javascript:alert(1)',
    },
    {
      id: 'r3',
      title: 'checkout keeps its p99',
      status: 'completed',
      deviated: true,
      started_at: '2026-12-01T09:00:00.000Z',
      ended_at: '2026-12-01T09:01:00.000Z',
    },
  ];
  const ledger = [
    {
      run: 'r2',
      kind: 'stop-process',
      what: 'stop cpu stress pid 4242',
      since: '2026-12-01T10:02:05.000Z',
      running: true,
    },
    {
      run: 'r1',
      kind: 'remove-toxic',
      what: 'added latency toxic lag on beta',
      since: '2026-12-01T10:00:05.000Z',
      running: false,
    },
    {
      run: 'r9',
      kind: 'resume-process',
      what: 'paused process 77 (sleep 600)',
      since: '2026-12-01T10:03:00.000Z',
      running: true,
    },
  ];

  async function withContracts(page: Page, answers: Record<string, { status: number; body: string }>) {
    const headers: Record<string, string | undefined> = {};
    for (const [path, answer] of Object.entries(answers)) {
      await page.route(`${harness.url}${path}`, (route) => {
        headers[path] = route.request().headers()['x-faultline-csrf'];
        const posted = route.request().postData();
        if (posted !== null) bodies[path] = JSON.parse(posted);
        return route.fulfill({ status: answer.status, contentType: 'application/json', body: answer.body });
      });
    }
    return headers;
  }

  const bodies: Record<string, unknown> = {};
  const rowText = (locator: Locator) => locator.evaluateAll((rows) => rows.map((row) => row.textContent));

  test('lists runs with status and a report link, the ledger, and shows what halt undid', async () => {
    const page = await browser.newPage({ timezoneId: 'UTC' });
    const sent = await withContracts(page, {
      '/runs': { status: 200, body: JSON.stringify(runs) },
      '/ledger': { status: 200, body: JSON.stringify(ledger) },
      '/halt': {
        status: 200,
        body: JSON.stringify({
          undone: [{ kind: 'toxic', what: 'removed lag from beta' }],
          failed: [{ kind: 'ledger', what: 'resume pid 77', error: 'no such process' }],
        }),
      },
    });
    await page.goto(`${harness.url}/ui/`);
    const token = await page.locator('meta[name="faultline-csrf"]').getAttribute('content');
    const first = page.locator('[data-run="r1"]');
    await first.waitFor();
    assert.equal(await first.locator('td').nth(0).textContent(), 'checkout survives a slow database');
    assert.equal(await first.locator('td').nth(1).textContent(), 'interrupted halted from the dashboard');
    assert.equal(
      await first.getByRole('link', { name: 'HTML report' }).getAttribute('href'),
      `${harness.url}/runs/r1/report`,
    );
    assert.equal(
      await page.locator('[data-run="r3"] td').nth(1).textContent(),
      'completed deviated',
      'a run whose steady state deviated does not read as a clean "completed"',
    );
    const second = page.locator('[data-run="r2"]');
    assert.equal(await second.getByRole('link').count(), 0, 'a javascript: report is not a link');
    assert.equal(await second.locator('code').textContent(), 'javascript:alert(1)');
    await page.locator('.ledger .left-faults li').first().waitFor();
    assert.deepEqual(await rowText(page.locator('.ledger .left-faults li')), [
      'remove-toxic added latency toxic lag on beta run r1, since 10:00:05.000',
    ]);
    assert.deepEqual(
      await rowText(second.locator('.live-faults li')),
      ['stop-process stop cpu stress pid 4242 live, since 10:02:05.000'],
      'a running run shows its live faults under it, not as left behind',
    );
    assert.deepEqual(await rowText(page.locator('.ledger .live-faults li')), [
      'resume-process paused process 77 (sleep 600) run r9 (still running), since 10:03:00.000',
    ]);

    const haltButton = page.getByRole('button', { name: 'Halt all faults' });
    await haltButton.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Halt all faults?' });
    await dialog.waitFor();
    assert.equal(await focusedText(page), 'Cancel', 'the confirmation starts on Cancel');
    await page.keyboard.press('Escape');
    await waitFor(async () => !(await dialog.isVisible()), 'Escape to close the confirmation');
    assert.equal(await focusedText(page), 'Halt all faults', 'the focus is back on the button');
    assert.equal(sent['/halt'], undefined, 'Escape halted nothing');
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.type('p99 alarm');
    await page.keyboard.press('Enter');
    const status = page.getByRole('status');
    await status.locator('li').first().waitFor();
    assert.equal(await status.locator('p').textContent(), 'Halted: 1 undone, 1 failed.');
    assert.deepEqual(await rowText(status.locator('li')), [
      'toxic removed lag from beta',
      'ledger resume pid 77 no such process',
    ]);
    assert.deepEqual(sent, { '/runs': token, '/ledger': token, '/halt': token });
    assert.deepEqual(bodies['/halt'], { reason: 'dashboard: p99 alarm' });
    assert.equal(await focusedText(page), 'Halt all faults', 'the focus returns to the button after a halt');
    await page.close();
  });

  test('a server without those routes shows each section as unavailable, not broken', async () => {
    const page = await browser.newPage();
    const missing = { status: 404, body: '404 page not found\n' };
    await withContracts(page, { '/runs': missing, '/ledger': missing, '/halt': missing });
    await page.goto(`${harness.url}/ui/`);
    await page.locator('.runs .unavailable').waitFor();
    assert.equal(
      await page.locator('.runs .unavailable').textContent(),
      'Unavailable: this server has no /runs.',
    );
    assert.equal(
      await page.locator('.ledger .unavailable').textContent(),
      'Unavailable: this server has no /ledger.',
    );
    await haltFromPage(page);
    await page.locator('.halt-result .error').waitFor();
    assert.equal(
      await page.locator('.halt-result .error').textContent(),
      'Halt failed: this server has no /halt',
    );
    await page.close();
  });

  test('a halt that gets no answer says so, claims nothing, and names what works without the server', async () => {
    const page = await browser.newPage();
    await page.route(`${harness.url}/halt`, (route) => route.abort('connectionrefused'));
    await page.goto(`${harness.url}/ui/`);
    await haltFromPage(page);
    await page.locator('.halt-result .error').waitFor();
    assert.equal(
      await page.locator('.halt-result .error').textContent(),
      'Halt failed: no answer from the server (Failed to fetch): it may be down, and this page cannot tell what was halted. `faultline halt` in a shell halts what the ledger records, with or without a server',
    );
    await page.close();
  });
});

describe('GET /proxies?explain', () => {
  test('adds each toxic’s explain() sentence; without the parameter the body is Toxiproxy’s', async () => {
    const plain = await harness.api('GET', '/proxies');
    assert.deepEqual(Object.keys(plain.json.beta.toxics[0]), [
      'attributes',
      'name',
      'type',
      'stream',
      'toxicity',
    ]);
    const explained = await harness.api('GET', '/proxies?explain');
    assert.deepEqual(explained.json.beta.toxics[0], {
      attributes: { latency: 100, jitter: 0 },
      name: 'lag',
      type: 'latency',
      stream: 'downstream',
      toxicity: 0.5,
      explanation: 'lag: on 50% of connections, delays data by 100 ms (downstream)',
    });
  });
});

describe('a page whose session the server no longer knows', () => {
  test('halt renews the session same-origin and goes through; the page does not need a reload', async () => {
    await createProxy(harness, 'stale', echo.address);
    const added = await harness.api('POST', '/proxies/stale/toxics', {
      name: 'slow',
      type: 'latency',
      attributes: { latency: 50 },
    });
    assert.equal(added.status, 200, added.text);
    const page = await openDashboard();
    const before = await page.locator('meta[name="faultline-csrf"]').getAttribute('content');
    // What a restart or a session older than 12 hours leaves: a cookie the server does not know.
    const port = new URL(harness.url).port;
    await page
      .context()
      .addCookies([{ name: `faultline_ui_${port}`, value: 'unknown-session', url: harness.url }]);
    // Asked from here, not from the page: the page's own refresh may renew its session first.
    const refused = (await fetch(`${harness.url}/proxies`, {
      headers: { 'X-Faultline-CSRF': before!, cookie: `faultline_ui_${port}=unknown-session` },
    }).then((r) => r.json())) as { error: string };
    assert.equal(refused.error, 'dashboard session expired', 'the old session is refused');
    await haltFromPage(page);
    const status = page.getByRole('status');
    await status.locator('p').waitFor();
    assert.match((await status.locator('p').textContent()) ?? '', /^Halted: \d+ undone\.$/);
    assert.deepEqual(toxicNames('stale'), [], 'the halt went through');
    await page.close();
  });
});

/** Halt as a person would: the button, a reason, then "Halt now" in the confirmation. */
async function haltFromPage(page: Page, reason = ''): Promise<void> {
  await page.getByRole('button', { name: 'Halt all faults' }).click();
  const dialog = page.getByRole('dialog', { name: 'Halt all faults?' });
  await dialog.waitFor();
  if (reason !== '') await dialog.getByLabel(/^Reason/).fill(reason);
  await dialog.getByRole('button', { name: 'Halt now' }).click();
}

describe('a server restart under an open page', () => {
  test('the page renews its session, reloads its proxies instead of showing the old ones, and halts', async () => {
    const { createEngine } = await import('../src/proxy/engine.js');
    const { createControlServer } = await import('../src/server/app.js');
    const start = async (port: number) => {
      const engine = createEngine({ busyPollMicroseconds: 0 });
      const control = createControlServer({ engine });
      control.http.listen(port, '127.0.0.1');
      await once(control.http, 'listening');
      return { engine, control, port: (control.http.address() as { port: number }).port };
    };
    const stop = async (server: Awaited<ReturnType<typeof start>>) => {
      server.engine.close();
      server.control.http.closeAllConnections();
      await server.control.close();
    };
    const first = await start(0);
    const url = `http://127.0.0.1:${first.port}`;
    // A new connection each time: a pooled one would still point at the stopped server.
    const create = (name: string) =>
      new Promise<{ status: number }>((resolve, reject) => {
        const request = httpRequest(`${url}/proxies`, { method: 'POST', agent: false }, (response) => {
          response.resume();
          resolve({ status: response.statusCode ?? 0 });
        });
        request.once('error', reject);
        request.end(JSON.stringify({ name, listen: '127.0.0.1:0', upstream: echo.address }));
      });
    assert.equal((await create('before_restart')).status, 201);
    const page = await browser.newPage();
    let second: Awaited<ReturnType<typeof start>> | undefined;
    try {
      await page.goto(`${url}/ui/`);
      await page.locator('[data-proxy="before_restart"]').waitFor();
      const stream = page.locator('.badge.stream');
      await waitFor(async () => (await stream.textContent()) === 'live', 'the timeline to be live');
      await stop(first);
      second = await start(first.port);
      assert.equal((await create('after_restart')).status, 201);
      await page.locator('[data-proxy="after_restart"]').waitFor({ timeout: 20_000 });
      assert.equal(await page.locator('[data-proxy="before_restart"]').count(), 0, 'the old list is gone');
      await waitFor(async () => (await stream.textContent()) === 'live', 'the timeline live again', 20_000);
      await haltFromPage(page, 'after restart');
      await page.locator('.halt-result p').waitFor();
      assert.match((await page.locator('.halt-result p').textContent()) ?? '', /^Halted: \d+ undone\.$/);
    } finally {
      await page.close();
      if (second) await stop(second);
      else await stop(first).catch(() => undefined);
    }
  });
});

describe('events the server no longer had when the page reconnected', () => {
  test('the timeline says how many are lost after a reconnect, not on the first load', async () => {
    const sse = (blocks: string[]) => `: faultline events\n\n${blocks.join('')}`;
    const fired = (id: number, connection: number) =>
      `id: ${id}\nevent: toxic.fired\ndata: ${JSON.stringify({ time: '2026-12-04T03:00:00.000Z', type: 'toxic.fired', proxy: 'gap', toxic: 'lag', toxicType: 'latency', stream: 'downstream', connection, action: 'delay' })}\n\n`;
    const lost = (after: number, count: number) =>
      `event: events.lost\ndata: ${JSON.stringify({ time: '2026-12-04T03:00:01.000Z', type: 'events.lost', after, lost: count, replayFrom: after + count + 1, message: `${count} events after id ${after} are lost: the server keeps the last 1000; replaying from id ${after + count + 1}` })}\n\n`;
    const asked: string[] = [];
    const page = await browser.newPage();
    await page.route(
      (url) => url.pathname.endsWith('/events'),
      (route) => {
        const since = new URL(route.request().url()).searchParams.get('since') ?? '';
        asked.push(since);
        // The first answer ends after two events, as a stream cut off does; the page resumes after id 2.
        const body =
          asked.length === 1
            ? sse([lost(0, 40), fired(41, 1), fired(42, 2)])
            : asked.length === 2
              ? sse([lost(42, 1500), fired(1543, 3)])
              : sse([]);
        return route.fulfill({ status: 200, contentType: 'text/event-stream', body });
      },
    );
    await page.goto(`${harness.url}/ui/`);
    await page.locator('.event[data-type="toxic.fired"]').nth(2).waitFor();
    assert.deepEqual(asked.slice(0, 2), ['0', '42']);
    assert.deepEqual(
      await page.locator('.event .what').evaluateAll((items) => items.map((item) => item.textContent)),
      [
        'gap: lag (latency, downstream) delay on connection #3',
        '1500 events after id 42 are lost: the server keeps the last 1000; replaying from id 1543',
        'gap: lag (latency, downstream) delay on connection #2',
        'gap: lag (latency, downstream) delay on connection #1',
      ],
      'the gap is shown where it is; what the first load could not replay is no news',
    );
    await page.close();
  });
});

// Last: a halt removes every toxic of the harness, which the tests above rely on.
describe('halt seen by a page that did not ask for it', () => {
  test('a halt from elsewhere (the CLI, another tab) shows in the timeline with what it undid', async () => {
    await createProxy(harness, 'halted_web', echo.address);
    const added = await harness.api('POST', '/proxies/halted_web/toxics', {
      name: 'slow',
      type: 'latency',
      attributes: { latency: 1000 },
    });
    assert.equal(added.status, 200, added.text);
    const page = await openDashboard();
    assert.equal((await harness.api('POST', '/halt', { reason: 'from another tab' })).status, 200);
    // The server's history may hold an earlier test's halt, drawn at once: wait for this one.
    const halt = page.locator('.event[data-type="halt"] .what', { hasText: 'from another tab' });
    await halt.first().waitFor({ timeout: 30_000 });
    assert.match(
      (await halt.first().textContent()) ?? '',
      /^halted in \d+ ms \(POST \/halt from 127\.0\.0\.1: from another tab\): undone: .*removed the latency toxic slow on proxy halted_web/,
    );
    await page.close();
    assert.equal((await harness.api('DELETE', '/proxies/halted_web')).status, 204);
    assert.deepEqual(pageProblems, []);
  });
});
