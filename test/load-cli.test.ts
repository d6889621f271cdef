import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { closedPort, runCli, spawnCli } from './helpers.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** A server whose every fifth answer is a 503, and which counts what it served. */
let served = 0;
const server = http.createServer((_request, response) => {
  served += 1;
  response.writeHead(served % 5 === 0 ? 503 : 200);
  response.end('ok');
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
after(() => {
  server.closeAllConnections();
  server.close();
});
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

describe('faultline load fails when its requests fail', () => {
  test('every request refused: exit 1, the report, and why on stderr', async () => {
    const refused = `http://127.0.0.1:${await closedPort()}/`;
    const result = await runCli(['load', refused, '-n', '3']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^3 requests in /);
    assert.match(result.stdout, /failures: 3 {2}connection refused: 3\n/);
    assert.equal(
      result.stderr,
      'faultline: 3 of 3 requests failed (connection refused: 3), more than the 0 allowed by --max-failures\n',
    );
  });

  test('--max-failures as a count and as a percentage', async () => {
    served = 0;
    const within = await runCli(['load', url, '-n', '10', '--max-failures', '2']);
    assert.equal(within.code, 0, within.stderr);
    assert.equal(within.stderr, '');
    served = 0;
    const over = await runCli(['load', url, '-n', '10', '--max-failures', '1']);
    assert.equal(over.code, 1);
    assert.match(
      over.stderr,
      /^faultline: 2 of 10 requests failed \(status 5xx: 2\), more than the 1 allowed/,
    );
    served = 0;
    const percent = await runCli(['load', url, '-n', '10', '--max-failures', '20%']);
    assert.equal(percent.code, 0, percent.stderr);
    served = 0;
    const tighter = await runCli(['load', url, '-n', '10', '--max-failures', '10%']);
    assert.equal(tighter.code, 1);
    assert.match(tighter.stderr, /more than the 10% \(1 requests\) allowed by --max-failures/);
  });

  test('a bad threshold is refused as bad input', async () => {
    const result = await runCli(['load', url, '-n', '1', '--max-failures', 'some']);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /^faultline: option '--max-failures <n\|p%>' argument 'some' is invalid\. --max-failures must be a whole number of requests or a percentage/,
    );
  });

  test('a method that is not an HTTP token is refused as bad input, where the run hung and exited 0 silently', async () => {
    served = 0;
    const result = await runCli(['load', url, '-n', '2', '-m', 'G T']);
    assert.deepEqual(result, {
      code: 2,
      stdout: '',
      stderr:
        'faultline: -m "G T" is not an HTTP method: a method is a token (letters, digits and !#$%&\'*+-.^_`|~), such as GET or POST\n',
    });
    assert.equal(served, 0);
  });

  test('a header undici will not send is refused as bad input, where the run hung and exited 0 silently', async () => {
    served = 0;
    for (const [header, why] of [
      ['Bad Name: x', 'invalid header key'],
      ['Transfer-Encoding: chunked', 'invalid transfer-encoding header'],
    ]) {
      const result = await runCli(['load', url, '-n', '3', '-c', '2', '-H', header!]);
      assert.deepEqual(result, {
        code: 2,
        stdout: '',
        stderr: `faultline: the request cannot be sent: ${why}; check -m, -H and -T (method, headers)\n`,
      });
    }
    assert.equal(served, 0);
  });

  test('-T without a body is refused, where it was accepted and sent nothing', async () => {
    served = 0;
    const result = await runCli(['load', url, '-n', '1', '-T', 'application/json']);
    assert.deepEqual(result, {
      code: 2,
      stdout: '',
      stderr:
        'faultline: -T sets the Content-Type of the body, and there is none: give the body with -p FILE or -d TEXT, or send the header alone with -H "Content-Type: ..."\n',
    });
    assert.equal(served, 0);
  });

  test('a URL that is not http or https is refused as bad input (exit 2), where it failed as a run (exit 1)', async () => {
    const result = await runCli(['load', 'ftp://127.0.0.1/', '-n', '1']);
    assert.deepEqual(result, {
      code: 2,
      stdout: '',
      stderr:
        'faultline: "ftp://127.0.0.1/" is not an http:// or https:// URL; faultline load speaks HTTP, for example http://127.0.0.1:8080/\n',
    });
  });

  test('-c defaults to 1, as ab', async () => {
    served = 0;
    const result = await runCli(['load', url, '-n', '4', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.concurrency, 1);
    assert.equal(report.requests, 4);
  });

  test('ports on fetch\'s "bad port" list are loaded as curl loads them', async () => {
    let blocked: http.Server | undefined;
    let port: number | undefined;
    for (const candidate of [6000, 6665, 6666, 6667, 6668, 6669, 10080]) {
      const attempt = http.createServer((_request, response) => response.end('ok'));
      attempt.listen(candidate, '127.0.0.1');
      try {
        await once(attempt, 'listening');
        [blocked, port] = [attempt, candidate];
        break;
      } catch {
        // taken on this machine: try the next one
      }
    }
    assert.ok(
      port,
      'every port of the blocked list is taken on 127.0.0.1; free one of 6000, 6665-6669, 10080',
    );
    try {
      const result = await runCli(['load', `http://127.0.0.1:${port}/`, '-n', '2', '--json']);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout).statusCodes, { 200: 2 });
    } finally {
      blocked?.closeAllConnections();
      blocked?.close();
    }
  });

  test('Ctrl-C stops the run, prints what it measured and exits 130', async () => {
    const started = new Promise<void>((resolve) => server.once('request', () => resolve()));
    const load = spawnCli(['load', url, '-t', '60', '--json']);
    const first = await Promise.race([started.then(() => 'loading'), load.done]);
    assert.equal(first, 'loading', load.output().stderr);
    process.kill(load.child.pid!, 'SIGINT');
    const { code, stdout, stderr } = await load.done;
    assert.equal(code, 130, stderr);
    const report = JSON.parse(stdout);
    assert.equal(report.interrupted, true);
    assert.ok(report.requests >= 1);
    assert.match(stderr, /^faultline: interrupted after \d+ requests\n$/);
  });

  test('a -t run on a terminal shows its progress each second on stderr', async () => {
    // script(1) gives the CLI a terminal, as a user's shell would.
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} load ${url} -t 3 --max-failures 100%`;
    const output = await new Promise<string>((resolve, reject) =>
      execFile('script', ['-qec', command, '/dev/null'], { timeout: 30_000 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    // eslint-disable-next-line no-control-regex -- the terminal's erase-line sequence
    assert.match(output, /\r\u001b\[2K[12] s of 3 s: \d+ requests, \d+ failed/, JSON.stringify(output));
    assert.match(output, /requests in 3(\.\d+)? s/, JSON.stringify(output));
  });
});

describe('load.run in an experiment', () => {
  test('maxFailures fails the probe when more requests fail; without it, failures are only counted', async () => {
    const { run: runExperiment, experiment } = await import('./experiment-helpers.js');
    const refused = `http://127.0.0.1:${await closedPort()}/`;
    const probe = (args: object) => ({
      type: 'probe',
      name: 'load',
      provider: {
        type: 'faultline',
        module: 'load',
        func: 'run',
        arguments: { url: refused, requests: 2, ...args },
      },
    });
    const journal = await runExperiment(experiment({ method: [probe({}), probe({ maxFailures: 1 })] }));
    const [counted, judged] = journal.run;
    assert.equal(counted!.status, 'succeeded');
    assert.equal((counted!.output as { failures: { total: number } }).failures.total, 2);
    assert.equal(judged!.status, 'failed');
    assert.match(
      (judged!.exception ?? []).join(''),
      /load\.run: 2 of 2 requests failed \(connection refused: 2\), more than the 1 allowed by maxFailures/,
    );
  });

  const refusedAtValidation: Array<[string, Record<string, unknown>, string]> = [
    [
      'a method that is not an HTTP token',
      { method: 'G T' },
      "argument 'method': not an HTTP method: a method is a token (letters, digits and !#$%&'*+-.^_`|~), such as GET or POST, received \"G T\"",
    ],
    [
      'a maxFailures that is neither a count nor a percentage',
      { maxFailures: 'many' },
      'argument \'maxFailures\': the failure threshold must be a whole number of requests or a percentage from 0% to 100%, received "many"',
    ],
  ];
  for (const [label, given, refusal] of refusedAtValidation) {
    test(`${label} is refused at validation, before any request`, async () => {
      const { experiment, fixtures } = await import('./experiment-helpers.js');
      const { validateExperiment } = await import('../src/experiment/validate.js');
      served = 0;
      const file = experiment({
        method: [
          {
            type: 'probe',
            name: 'load',
            provider: {
              type: 'faultline',
              module: 'load',
              func: 'run',
              arguments: { url, requests: 1, ...given },
            },
          },
        ],
      });
      await assert.rejects(validateExperiment(file, fixtures), {
        message: `invalid arguments for load.run in probe 'load': ${refusal} (docs/experiments.md lists each function's arguments)`,
      });
      assert.equal(served, 0);
    });
  }
});
