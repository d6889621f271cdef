import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unreachable } from '../src/client/errors.js';
import { closedPort, runCli } from './helpers.js';

// A TOXIPROXY_URL (or FAULTLINE_URL) left set in the shell sent `faultline list` to a server that
// is not there, and the error named the URL but not the variable that chose it.

test('a server no flag named that cannot be reached says which variable named it', async () => {
  const url = `http://127.0.0.1:${await closedPort()}`;
  for (const name of ['TOXIPROXY_URL', 'FAULTLINE_URL']) {
    const env = { FAULTLINE_URL: '', TOXIPROXY_URL: '', [name]: url };
    const { code, stderr } = await runCli(['list'], env);
    assert.equal(code, 1, stderr);
    assert.match(
      stderr,
      /^faultline: cannot reach the faultline server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
    );
    assert.ok(
      stderr.endsWith(
        `\n${name}=${url} in the environment named this server; unset it, or give --host, to reach another\n`,
      ),
      stderr,
    );
  }
});

test('with --host the note is left out: the flag named the server', async () => {
  const url = `http://127.0.0.1:${await closedPort()}`;
  const { code, stderr } = await runCli(['list', '-h', url], { FAULTLINE_URL: '', TOXIPROXY_URL: url });
  assert.equal(code, 1, stderr);
  assert.doesNotMatch(stderr, /in the environment named this server/);
});

test('a URL without a port says which port was tried, where it named only the host', () => {
  const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  for (const [url, port] of [
    ['http://127.0.0.1:', 80],
    ['http://127.0.0.1', 80],
    ['https://127.0.0.1', 443],
  ] as const) {
    assert.match(
      unreachable(url, refused).message,
      new RegExp(
        `\\(ECONNREFUSED\\): the URL gives no port, so ${port} was tried; a faultline server listens on 8474 unless told otherwise; start one`,
      ),
    );
  }
  assert.doesNotMatch(unreachable('http://127.0.0.1:8474', refused).message, /gives no port/);
});
