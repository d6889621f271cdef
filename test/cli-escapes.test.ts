import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { FaultlineApiError } from '../src/client/errors.js';
import { describeFailure } from '../src/cli/failure.js';
import { UsageError } from '../src/cli/context.js';
import { FaultlineError } from '../src/model/errors.js';
import { runCli } from './helpers.js';

/**
 * A server that is not faultline (an old one, or a hostile one): its names and messages carry
 * terminal escapes that would retitle the window, clear the screen or fake a line of output.
 */
const evilName = 'db\u001b]0;owned\u0007\u001b[2J\nfake\tline\u009b31m\u202e';
const shown = 'db\\x1b]0;owned\\x07\\x1b[2J\\x0afake\\x09line\\x9b31m\\u202e';
const proxy = {
  name: evilName,
  listen: '127.0.0.1:1\u001b[1A',
  upstream: '127.0.0.1:2',
  enabled: true,
  toxics: [
    {
      name: 'slow\u001b[31m',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: '100\u001b[0m' },
    },
  ],
};
const server = http.createServer((request, response) => {
  if (request.url === '/proxies') return response.end(JSON.stringify({ [evilName]: proxy }));
  if (request.url?.startsWith('/proxies/ok')) return response.end(JSON.stringify(proxy));
  response
    .writeHead(404)
    .end(JSON.stringify({ error: 'proxy not found\u001b[2J\u001b]0;owned\u0007', status: 404 }));
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
after(() => {
  server.closeAllConnections();
  server.close();
});
const env = { FAULTLINE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
const run = (args: string[]) => runCli(args, env, false);
const noEscape = (text: string) =>
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);

describe('text from a server never reaches the terminal raw', () => {
  test('list', async () => {
    const listed = await run(['list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout, `${shown}\t127.0.0.1:1\\x1b[1A\t127.0.0.1:2\tenabled\t1\n`);
    const names = await run(['list', '--names']);
    assert.equal(names.stdout, `${shown}\n`);
  });

  test('inspect', async () => {
    const inspected = await run(['inspect', 'ok']);
    assert.equal(
      inspected.stdout,
      'slow\\x1b[31m\ttype=latency\tstream=downstream\ttoxicity=1.00\tattributes=[\tlatency=100\\x1b[0m\t]\n',
    );
  });

  test('--json escapes C1 controls and bidi overrides as well as JSON does C0', async () => {
    const json = await run(['list', '--json']);
    noEscape(json.stdout.replace(/\n/g, ''));
    assert.equal(JSON.parse(json.stdout)[evilName].name, evilName, 'still the same JSON');
  });

  test('export, in YAML and JSON, reads back to the same names', async () => {
    for (const args of [['export'], ['export', '--json']]) {
      const exported = await run(args);
      assert.equal(exported.code, 0, exported.stderr);
      noEscape(exported.stdout.replace(/\n/g, ''));
      const { parse } = await import('yaml');
      assert.equal(parse(exported.stdout).proxies[0].name, evilName, args.join(' '));
    }
  });

  test("the server's error message", async () => {
    const failed = await run(['inspect', 'missing']);
    assert.equal(failed.code, 1);
    assert.equal(
      failed.stderr,
      'faultline: get proxy missing: HTTP 404: proxy not found\\x1b[2J\\x1b]0;owned\\x07\n',
    );
  });
});

describe('what an error prints, and its exit status', () => {
  test("the server's hint goes on its own line after the error", () => {
    const error = Object.assign(
      new FaultlineApiError('FAULTLINE_ERR_NOT_FOUND', 404, 'get proxy x: HTTP 404: proxy not found'),
      {
        hint: 'no proxy is named "x"; list them with: faultline list',
      },
    );
    assert.deepEqual(describeFailure(error), {
      status: 1,
      text: 'faultline: get proxy x: HTTP 404: proxy not found\nno proxy is named "x"; list them with: faultline list\n',
    });
  });

  test('an error without a hint is one line; a hint with escapes is escaped', () => {
    const plain = new FaultlineApiError(
      'FAULTLINE_ERR_NOT_FOUND',
      404,
      'get proxy x: HTTP 404: proxy not found',
    );
    assert.equal(describeFailure(plain).text, 'faultline: get proxy x: HTTP 404: proxy not found\n');
    const hostile = Object.assign(new FaultlineApiError('FAULTLINE_ERR_NOT_FOUND', 404, 'm'), {
      hint: 'h\u001b[2J',
    });
    assert.equal(describeFailure(hostile).text, 'faultline: m\nh\\x1b[2J\n');
  });

  test('2 for bad input, 1 for what failed', () => {
    assert.equal(describeFailure(new UsageError('bad flag')).status, 2);
    assert.equal(describeFailure(new FaultlineError('FAULTLINE_ERR_INVALID_CONFIG', 'bad file')).status, 2);
    assert.equal(describeFailure(new FaultlineError('FAULTLINE_ERR_INTERNAL', 'bug')).status, 1);
    assert.equal(describeFailure(new FaultlineApiError('FAULTLINE_ERR_UNREACHABLE', 0, 'down')).status, 1);
    assert.equal(describeFailure(new Error('surprise')).status, 1);
  });
});
