import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli, spawnCli, startEchoServer } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'faultline-documented-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the CLI and resolves with the URL it prints as "<what> on http://…", or rejects with its output. */
function startListening(args: string[], env: Record<string, string>, what: RegExp) {
  const cli = spawnCli(args, env);
  const url = new Promise<string>((resolve, reject) => {
    cli.child.stderr!.on('data', () => {
      const match = what.exec(cli.output().stderr);
      if (match) resolve(match[1]!);
    });
    void cli.done.then(({ code, stderr }) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return { cli, url };
}

describe('faultline server environment variables (docs/cli.md)', () => {
  test('FAULTLINE_HOST, FAULTLINE_PORT, FAULTLINE_CONFIG, FAULTLINE_SEED and LOG_LEVEL stand in for the flags', async () => {
    const echo = await startEchoServer();
    const config = join(dir, 'env-config.yaml');
    writeFileSync(
      config,
      `proxies:\n  - name: from_env\n    listen: 127.0.0.1:0\n    upstream: ${echo.address}\n`,
    );
    const { cli, url } = startListening(
      ['server'],
      {
        FAULTLINE_HOST: '127.0.0.3',
        FAULTLINE_PORT: '0',
        FAULTLINE_CONFIG: config,
        FAULTLINE_SEED: '4242',
        LOG_LEVEL: 'warn',
      },
      /listening on (http:\/\/\S+) /,
    );
    const address = await url;
    assert.match(address, /^http:\/\/127\.0\.0\.3:\d+$/);
    assert.match(cli.output().stderr, /\(seed 4242\)/);
    const proxies = (await (await fetch(`${address}/proxies`)).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(proxies), ['from_env']);
    process.kill(cli.child.pid!, 'SIGTERM');
    const { code, stdout } = await cli.done;
    assert.equal(code, 0);
    assert.equal(stdout.includes('"level":"info"'), false, 'LOG_LEVEL=warn keeps info lines out');
  });

  test('bad values from the environment are refused, naming the variable', async () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ FAULTLINE_PORT: '99999' }, /value '99999' from env 'FAULTLINE_PORT' is invalid/],
      [{ FAULTLINE_BUSY_POLL_US: 'abc' }, /value 'abc' from env 'FAULTLINE_BUSY_POLL_US' is invalid/],
      [{ FAULTLINE_SEED: '1.5', FAULTLINE_PORT: '0' }, /invalid value "1.5" for FAULTLINE_SEED: parse error/],
      [
        { FAULTLINE_CONFIG: join(dir, 'missing.yaml'), FAULTLINE_PORT: '0' },
        /cannot read config file .*missing\.yaml/,
      ],
    ];
    for (const [env, message] of cases) {
      const result = await runCli(['server'], env);
      assert.equal(result.code, 2, JSON.stringify(env));
      assert.match(result.stderr, message);
    }
  });
});

describe("LOG_LEVEL, which other programs read too, is read as toxiproxy-server's zerolog reads it", () => {
  for (const [level, infoLogged] of [
    ['WARN', false],
    ['Debug', true],
    ['2', false],
    ['disabled', false],
  ] as const) {
    test(`LOG_LEVEL=${level} is taken`, async () => {
      const { cli, url } = startListening(
        ['server'],
        { FAULTLINE_PORT: '0', LOG_LEVEL: level },
        /listening on (http:\/\/\S+) /,
      );
      await fetch(`${await url}/version`);
      process.kill(cli.child.pid!, 'SIGTERM');
      const { code, stdout, stderr } = await cli.done;
      assert.equal(code, 0, stderr);
      assert.equal(stdout.includes('"level":"info"'), infoLogged, stdout);
      assert.doesNotMatch(stderr, /LOG_LEVEL/);
    });
  }

  test('an unknown LOG_LEVEL is said on stderr and the server starts at info, as toxiproxy-server does', async () => {
    const { cli, url } = startListening(
      ['server'],
      { FAULTLINE_PORT: '0', LOG_LEVEL: 'warning' },
      /listening on (http:\/\/\S+) /,
    );
    await url;
    process.kill(cli.child.pid!, 'SIGTERM');
    const { code, stdout, stderr } = await cli.done;
    assert.equal(code, 0);
    assert.match(
      stderr,
      /^faultline: LOG_LEVEL="warning" is not a log level \(trace, debug, info, warn, error, fatal, panic, silent\); logging at info, as toxiproxy-server goes on with its default$/m,
    );
    assert.equal(stdout.includes('"level":"info"'), true, 'info lines are logged');
  });

  test('an unknown --log-level, written on the command line, is refused (exit 2)', async () => {
    const result = await runCli(['server', '--port', '0', '--log-level', 'loud']);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^faultline: --log-level "loud" is not a log level; use one of trace, debug, info/,
    );
  });
});

describe('faultline browser-script flags (docs/cli.md)', () => {
  test('--seed without --probability is refused (exit 2): it would repeat nothing', async () => {
    const refused = await runCli(['browser-script', '--error', '--seed', '5'], {}, false);
    assert.deepEqual(refused, {
      code: 2,
      stdout: '',
      stderr:
        'faultline: --seed 5 repeats the draws of --probability, and there is no --probability; give both, or drop --seed\n',
    });
  });

  test('--status takes 200 to 599: a 1xx is refused (exit 2), where the script failed every fetch it matched', async () => {
    const refused = await runCli(['browser-script', '--status', '101'], {}, false);
    assert.equal(refused.code, 2);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /--status must be a whole number from 200 to 599, received "101"/);
    assert.equal((await runCli(['browser-script', '--status', '204'], {}, false)).code, 0);
  });

  test('--method takes a comma-separated list too, as --match method= does', async () => {
    const printed = await runCli(['browser-script', '--abort', '--method', 'post,put', 'get'], {}, false);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(
      printed.stdout,
      /^window\.__FAULTLINE_CONFIG__ = \{"faults":\[\{"abort":true,"httpMethods":\["POST","PUT","GET"\]\}\]\};\n/,
    );
  });

  test('a bad flag value is refused naming the flag, not the fault field behind it', async () => {
    const refused = await runCli(['browser-script', '--abort', '--method', 'GE T'], {}, false);
    assert.deepEqual(refused, {
      code: 2,
      stdout: '',
      stderr: 'faultline: invalid --method: an HTTP method such as GET or POST, received "GE T"\n',
    });
  });

  test('a URL pattern RE2 cannot run is refused naming --url', async () => {
    const refused = await runCli(['browser-script', '--abort', '--url', '^/(?=a)'], {}, false);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /^faultline: invalid --url: invalid pattern "\^\/\(\?=a\)": error parsing regexp/,
    );
    assert.doesNotMatch(refused.stderr, /pass one of/);
  });

  test('--method in lower case is matched upper-cased', async () => {
    const printed = await runCli(['browser-script', '--abort', '--method', 'post', 'get'], {}, false);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(
      printed.stdout,
      /^window\.__FAULTLINE_CONFIG__ = \{"faults":\[\{"abort":true,"httpMethods":\["POST","GET"\]\}\]\};\n/,
    );
  });
});

describe('faultline browser-proxy flags (docs/cli.md)', () => {
  async function startApp() {
    const app = http.createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<!doctype html><html><head><title>app</title></head><body>app</body></html>');
    });
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    after(() => app.close());
    return `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  }

  async function injectedConfig(url: string) {
    // Lenient parsing: before the browser-proxy framing fix (wt-inject) pages came with both
    // Content-Length and chunked framing; what is checked here is the injected configuration.
    const page = await new Promise<string>((resolve, reject) =>
      http
        .get(url, { insecureHTTPParser: true }, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve(text));
        })
        .on('error', reject),
    );
    const match = /window\.__FAULTLINE_CONFIG__ = (\{.*?\});\n/.exec(page);
    assert.ok(match, `no fault configuration in the page: ${page.slice(0, 200)}`);
    assert.match(page, /<body>app<\/body>/, 'the page comes from --target');
    return JSON.parse(match[1]!) as { faults: unknown[] };
  }

  test('--port and every filter flag reach the fault the page gets', async () => {
    const target = await startApp();
    const { cli, url } = startListening(
      [
        'browser-proxy',
        '--target',
        target,
        '--port',
        '0',
        '--delay',
        '5',
        '--status',
        '503',
        '--first',
        '3',
        '--probability',
        '0.5',
        '--seed',
        '7',
        '--url',
        '/api/',
        '--method',
        'post',
        'get',
      ],
      {},
      /browser-proxy on (http:\/\/\S+) -> /,
    );
    const address = await url;
    assert.match(address, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(
      cli.output().stderr,
      /delays requests whose URL matches "\/api\/" by 5 ms, then answers them with status 503, for the first 3 requests, 50% of the time, for POST\/GET/,
    );
    assert.deepEqual(await injectedConfig(address), {
      faults: [
        {
          delay: 5,
          status: 503,
          firstN: 3,
          probability: 0.5,
          seed: 7,
          url: '/api/',
          httpMethods: ['POST', 'GET'],
        },
      ],
    });
    process.kill(cli.child.pid!, 'SIGTERM');
    assert.equal((await cli.done).code, 0);
  });

  test('--abort with --every, and --error', async () => {
    const target = await startApp();
    for (const [flags, fault] of [
      [['--abort', '--every', '4'], { abort: true, everyNth: 4 }],
      [['--error'], { error: 'network error (faultline)' }],
    ] as const) {
      const { cli, url } = startListening(
        ['browser-proxy', '--target', target, '--port', '0', ...flags],
        {},
        /browser-proxy on (http:\/\/\S+) -> /,
      );
      assert.deepEqual(await injectedConfig(await url), { faults: [fault] });
      process.kill(cli.child.pid!, 'SIGTERM');
      await cli.done;
    }
  });

  test('a fault without an effect, or two effects, is refused before listening', async () => {
    const target = 'http://127.0.0.1:9';
    const none = await runCli(['browser-proxy', '--target', target, '--port', '0', '--every', '2']);
    assert.equal(none.code, 2);
    assert.equal(
      none.stderr,
      'faultline: a fault needs something to do: pass one of --delay, --error, --status or --abort\n',
    );
    const both = await runCli([
      'browser-proxy',
      '--target',
      target,
      '--port',
      '0',
      '--abort',
      '--status',
      '500',
    ]);
    assert.equal(both.code, 2);
    assert.equal(
      both.stderr,
      'faultline: --status and --abort are two answers to one request: give at most one of --error, --status ' +
        'and --abort (--delay can go with any of them)\n',
    );
  });

  test('a --target with a path, query or fragment is refused: the proxy forwards each request to its own path', async () => {
    for (const target of ['http://127.0.0.1:9/base', 'http://127.0.0.1:9/?a=1', 'http://127.0.0.1:9/#x']) {
      const refused = await runCli(['browser-proxy', '--target', target, '--port', '0', '--abort']);
      assert.equal(refused.code, 2, target);
      assert.match(
        refused.stderr,
        /--target takes the app's origin, e\.g\. http:\/\/127\.0\.0\.1:3000, received ".*": the proxy forwards each request to its own path, so ".*" would be ignored; open the proxy at that path instead/,
      );
    }
  });
});

describe('--host on the listening commands', () => {
  for (const [command, extra, what] of [
    ['server', [], /listening on (http:\/\/\S+) /],
    ['browser-proxy', ['--target', 'http://127.0.0.1:9', '--abort'], /browser-proxy on (http:\/\/\S+) -> /],
  ] as const) {
    test(`${command} --host 127.0.0.5 listens there`, async () => {
      const { cli, url } = startListening(
        [command, '--host', '127.0.0.5', '--port', '0', ...extra],
        {},
        what,
      );
      const address = await url;
      process.kill(cli.child.pid!, 'SIGTERM');
      await cli.done;
      assert.match(address, /^http:\/\/127\.0\.0\.5:\d+$/);
    });
  }
});
