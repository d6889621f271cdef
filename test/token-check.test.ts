import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import pino from 'pino';
import { isLoopback, isThisServer } from '../src/cli/server-access.js';
import { endpointOf } from '../src/client/credentials.js';
import { createEngine } from '../src/proxy/engine.js';
import { createControlServer } from '../src/server/app.js';
import { createTokenCheck, generateToken, tokenProblem } from '../src/server/token.js';
import { runCli, startHarness, tempDirectory, waitFor } from './helpers.js';

const TOKEN = 'S3cret-token_for.tests~0123';

function request(url: string, authorization?: string): IncomingMessage {
  return { url, headers: authorization === undefined ? {} : { authorization } } as IncomingMessage;
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('the token check', () => {
  const check = createTokenCheck(TOKEN);

  test('accepts the token as Bearer, as the Basic password whatever the user, and as a /t/ prefix', () => {
    for (const accepted of [
      request('/proxies', `Bearer ${TOKEN}`),
      request('/proxies', `bearer   ${TOKEN}`),
      request('/proxies', basic('', TOKEN)),
      request('/proxies', basic('ci', TOKEN)),
      request(`/t/${TOKEN}/proxies`),
    ])
      assert.equal(check.admit(accepted), undefined, accepted.headers.authorization ?? accepted.url);
  });

  test('refuses a missing, wrong or misplaced token with 401 and says how to send it', () => {
    const missing = 'token required';
    const wrong = 'wrong token';
    const cases: Array<[IncomingMessage, string, RegExp]> = [
      [request('/proxies'), missing, /^the request carries no token; /],
      [
        request('/proxies', `Bearer ${TOKEN}x`),
        wrong,
        /^the token the request carries is not this server's; /,
      ],
      [request('/proxies', basic(TOKEN, '')), wrong, /^the token the request carries is not this server's; /],
      [request('/proxies', `Token ${TOKEN}`), missing, /^the request carries no token; /],
      [request(`/proxies/t/${TOKEN}`), missing, /^the request carries no token; /],
      [
        request(`/t/${TOKEN.slice(1)}/proxies`),
        wrong,
        /^the token the request carries is not this server's; /,
      ],
    ];
    for (const [refused, message, hint] of cases) {
      const error = check.admit(refused);
      assert.equal(error?.status, 401, refused.url);
      assert.equal(error?.code, 'FAULTLINE_ERR_UNAUTHORIZED');
      assert.equal(error?.reason, message, refused.url);
      assert.match(error?.hint ?? '', hint);
    }
  });

  test('takes the prefix off the URL, right or wrong, so nothing after it sees the token', () => {
    const cases: Array<[string, string]> = [
      [`/t/${TOKEN}/proxies/api?x=1`, '/proxies/api?x=1'],
      [`/t/${TOKEN}`, '/'],
      [`/t/${TOKEN}?since=3`, '/?since=3'],
      ['/t/wrong/events', '/events'],
      ['/proxies/t/x', '/proxies/t/x'],
    ];
    for (const [url, rest] of cases) {
      const incoming = request(url);
      check.admit(incoming);
      assert.equal(incoming.url, rest);
    }
  });

  test('without a token every request passes, and a /t/ prefix is still taken off', () => {
    const open = createTokenCheck(undefined);
    const incoming = request('/t/anything/version');
    assert.equal(open.admit(incoming), undefined);
    assert.equal(incoming.url, '/version');
  });

  test('a token must be long and URL-safe; the message never repeats it; generated ones pass', () => {
    assert.equal(tokenProblem(TOKEN), undefined);
    assert.equal(tokenProblem(generateToken()), undefined);
    assert.notEqual(generateToken(), generateToken());
    const problem = tokenProblem('pass word/with:odd');
    assert.match(problem ?? '', /received 18 characters with others among them/);
    assert.equal(problem?.includes('word'), false);
    assert.throws(() => createTokenCheck('short'), /invalid token: the token must be 16 to 512 characters/);
  });
});

describe('the client finds the token in its URL or the environment', () => {
  test('credentials become a Basic header and leave the URL; a /t/ prefix stays in requests only', () => {
    assert.deepEqual(endpointOf(`http://:${TOKEN}@10.0.0.5:8474`, undefined), {
      url: 'http://10.0.0.5:8474',
      base: 'http://10.0.0.5:8474',
      headers: { Authorization: basic('', TOKEN) },
    });
    assert.deepEqual(endpointOf(`http://10.0.0.5:8474/t/${TOKEN}/`, undefined), {
      url: 'http://10.0.0.5:8474',
      base: `http://10.0.0.5:8474/t/${TOKEN}`,
      headers: {},
    });
    assert.deepEqual(endpointOf('http://10.0.0.5:8474', TOKEN), {
      url: 'http://10.0.0.5:8474',
      base: 'http://10.0.0.5:8474',
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    assert.deepEqual(endpointOf(`http://me:${TOKEN}@10.0.0.5:8474`, 'other-token-of-the-env').headers, {
      Authorization: basic('me', TOKEN),
    });
  });
});

describe('which addresses need a token', () => {
  test('loopback names and addresses are open; everything else is not', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      'api.localhost',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
    ])
      assert.equal(isLoopback(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '128.0.0.1', 'example.test', '127.0.0.1.example.test'])
      assert.equal(isLoopback(host), false, host);
  });

  test('the server sends its token only with ledger undos aimed at itself', () => {
    assert.equal(isThisServer('http://127.0.0.1:8474', '10.0.0.5', 8474), true);
    assert.equal(isThisServer('http://10.0.0.5:8474', '10.0.0.5', 8474), true);
    assert.equal(isThisServer('http://10.0.0.6:8474', '10.0.0.5', 8474), false);
    assert.equal(isThisServer('http://127.0.0.1:8475', '10.0.0.5', 8474), false);
    assert.equal(
      isThisServer('http://192.0.2.77:8474', '0.0.0.0', 8474),
      false,
      'not an address of this machine',
    );
  });
});

describe('the control server with a token', async () => {
  const engine = createEngine({ busyPollMicroseconds: 0 });
  const control = createControlServer({ engine, token: TOKEN });
  control.http.listen(0, '127.0.0.1');
  await once(control.http, 'listening');
  const url = `http://127.0.0.1:${(control.http.address() as { port: number }).port}`;
  const harness = await startHarness();

  test('a token given is required on loopback too; the Mozilla/ block still applies with it', async () => {
    try {
      const refused = await fetch(`${url}/proxies`);
      assert.equal(refused.status, 401);
      assert.equal(
        refused.headers.get('www-authenticate'),
        'Bearer realm="faultline", Basic realm="faultline"',
      );
      assert.equal(
        (await fetch(`${url}/proxies`, { headers: { Authorization: basic('', TOKEN) } })).status,
        200,
      );
      assert.equal((await fetch(`${url}/t/${TOKEN}/proxies`)).status, 200);
      // A URL given with a trailing slash (http://host:8474/t/TOKEN/) asks for //proxies: the
      // redirect to the clean path keeps the prefix, so the client follows it with its token.
      const unclean = await fetch(`${url}/t/${TOKEN}//proxies?explain`, { redirect: 'manual' });
      assert.equal(unclean.status, 301);
      assert.equal(unclean.headers.get('location'), `/t/${TOKEN}/proxies?explain`);
      assert.equal((await fetch(`${url}/t/${TOKEN}//proxies`)).status, 200);
      const browser = await fetch(`${url}/proxies`, {
        headers: { Authorization: `Bearer ${TOKEN}`, 'User-Agent': 'Mozilla/5.0' },
      });
      assert.equal(browser.status, 403);
      assert.equal((await harness.api('GET', '/proxies')).status, 200, 'a server without a token stays open');
    } finally {
      engine.close();
      await control.close();
    }
  });
});

describe('the control server never logs its token, wherever a client put it', () => {
  test('a token in the query or after a malformed prefix is hidden in refused and access log lines', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const engine = createEngine({ busyPollMicroseconds: 0 });
    const control = createControlServer({ engine, token: TOKEN, logger });
    control.http.listen(0, '127.0.0.1');
    await once(control.http, 'listening');
    const url = `http://127.0.0.1:${(control.http.address() as { port: number }).port}`;
    try {
      for (const path of [`/proxies?token=${TOKEN}`, `//t/${TOKEN}/proxies`, `/T/${TOKEN}/version`])
        assert.equal((await fetch(`${url}${path}`)).status, 401, path);
      const accepted = await fetch(`${url}/proxies?api_key=${TOKEN}`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(accepted.status, 400, 'an unknown query parameter, logged as sent');
      assert.equal((await accepted.text()).includes(TOKEN), false);
      await waitFor(() => lines.some((line) => line.includes('"msg":"request"')), 'the access log line');
      const urls = lines.map((line) => JSON.parse(line) as { url?: string }).map((line) => line.url);
      assert.deepEqual(urls.filter((logged) => logged !== undefined).slice(-4), [
        '/proxies?token=***',
        '//t/***/proxies',
        '/T/***/version',
        '/proxies?api_key=***',
      ]);
      assert.equal(lines.join('').includes(TOKEN), false, lines.join(''));
    } finally {
      engine.close();
      await control.close();
    }
  });
});

describe('the server command wires the token into its halt', () => {
  test("the ledger's proxy faults on this very server are undone with its token, and no other server gets it", async () => {
    const ledgerDir = tempDirectory('token-ledger');
    const { startServer } = await import('../src/cli/server-command.js');
    const { openLedger } = await import('../src/experiment/ledger.js');
    const running = await startServer({
      host: '127.0.0.1',
      port: 0,
      busyPoll: 0,
      logLevel: 'silent',
      token: TOKEN,
      ledgerDir,
    });
    const seen: Array<string | undefined> = [];
    const elsewhere = createServer((request, response) => {
      seen.push(request.headers.authorization);
      response.writeHead(204).end();
    });
    elsewhere.listen(0, '127.0.0.1');
    await once(elsewhere, 'listening');
    const other = `http://127.0.0.1:${(elsewhere.address() as { port: number }).port}`;
    try {
      const auth = { Authorization: `Bearer ${TOKEN}` };
      const created = await fetch(`${running.url}/proxies`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: 'made_by_run', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' }),
      });
      assert.equal(created.status, 201);
      const ledger = openLedger(ledgerDir, { run: 'left-behind', experiment: 'token wiring' });
      ledger.record({
        server: running.url,
        description: 'created proxy made_by_run',
        undo: { kind: 'delete-proxy', proxy: 'made_by_run' },
      });
      ledger.record({
        server: other,
        description: 'created proxy elsewhere',
        undo: { kind: 'delete-proxy', proxy: 'elsewhere' },
      });
      ledger.close(true);
      // The server's own token may come from FAULTLINE_TOKEN: still, no other server gets it.
      process.env.FAULTLINE_TOKEN = TOKEN;
      const halted = await (await fetch(`${running.url}/halt`, { method: 'POST', headers: auth })).json();
      delete process.env.FAULTLINE_TOKEN;
      assert.deepEqual(halted, {
        undone: [
          { kind: 'ledger', what: `undone: created proxy elsewhere (${other}) (run left-behind)` },
          { kind: 'ledger', what: `undone: created proxy made_by_run (${running.url}) (run left-behind)` },
        ],
        left: [],
        failed: [],
      });
      assert.deepEqual(seen, [undefined], 'the other server got no token');
      const proxies = await (await fetch(`${running.url}/proxies`, { headers: auth })).json();
      assert.deepEqual(proxies, {});
    } finally {
      delete process.env.FAULTLINE_TOKEN;
      elsewhere.close();
      await running.stop();
    }
  });
});

describe('faultline halt against a server that requires a token', () => {
  test('without the token it halts nothing, not even from the ledger, and says how to send the token', async () => {
    const ledgerDir = tempDirectory('token-halt-refused');
    const { startServer } = await import('../src/cli/server-command.js');
    const { openLedger } = await import('../src/experiment/ledger.js');
    const running = await startServer({
      host: '127.0.0.1',
      port: 0,
      busyPoll: 0,
      logLevel: 'silent',
      token: TOKEN,
    });
    const seen: string[] = [];
    const elsewhere = createServer((request, response) => {
      seen.push(`${request.method} ${request.url}`);
      response.writeHead(204).end();
    });
    elsewhere.listen(0, '127.0.0.1');
    await once(elsewhere, 'listening');
    const other = `http://127.0.0.1:${(elsewhere.address() as { port: number }).port}`;
    try {
      const ledger = openLedger(ledgerDir, { run: 'left-behind', experiment: 'refused halt' });
      ledger.record({
        server: other,
        description: 'created proxy elsewhere',
        undo: { kind: 'delete-proxy', proxy: 'elsewhere' },
      });
      ledger.close(true);
      for (const env of [{ FAULTLINE_TOKEN: '' }, { FAULTLINE_TOKEN: `${TOKEN}x` }]) {
        const halt = await runCli(['halt', '-h', running.url, '--ledger-dir', ledgerDir, '--json'], env);
        assert.equal(halt.code, 1, halt.stdout + halt.stderr);
        const answer = JSON.parse(halt.stdout);
        assert.deepEqual(answer.undone, []);
        assert.equal(answer.failed.length, 1);
        assert.equal(answer.failed[0].kind, 'server');
        assert.match(
          answer.failed[0].what,
          new RegExp(
            `^the server at ${running.url} refused the halt \\(.*\\); nothing was halted: set FAULTLINE_TOKEN=TOKEN or put the token in the URL \\(-h http://:TOKEN@HOST:PORT\\), then halt again$`,
          ),
        );
      }
      assert.deepEqual(seen, [], 'the ledger was not undone');
    } finally {
      elsewhere.close();
      await running.stop();
    }
  });
});
