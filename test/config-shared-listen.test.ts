import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { closedPort, runCli, startHarness, tempDirectory } from './helpers.js';

const harness = await startHarness();
const directory = tempDirectory('config-shared-listen');
const run = (args: string[]) => runCli(args, { FAULTLINE_URL: harness.url }, false);

async function file(name: string, text: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, text);
  return path;
}

describe('two proxies of one file on the same listen address', () => {
  test('are refused before anything is applied, naming both, where the dry run said all was well', async () => {
    const port = await closedPort();
    const path = await file(
      'same-port.yaml',
      `- name: first\n  listen: 127.0.0.1:${port}\n  upstream: 127.0.0.1:9\n- name: second\n  listen: localhost:${port}\n  upstream: 127.0.0.1:10\n`,
    );
    const expected = `faultline: config file ${path}:4:3: proxies "first" and "second" both listen on 127.0.0.1:${port} (entries 1 and 2); give one another port, or port 0 to pick a free one\n`;
    assert.deepEqual(await run(['apply', '--dry-run', path]), { code: 2, stdout: '', stderr: expected });
    assert.deepEqual(await run(['apply', path]), { code: 2, stdout: '', stderr: expected });
    assert.equal((await harness.api('GET', '/proxies/first')).status, 404);
  });

  test('a udp proxy and a tcp one may share a port, two that take turns (one disabled) too, and port 0 is never shared', async () => {
    const port = await closedPort();
    const path = await file(
      'udp-and-tcp.yaml',
      `- name: dnsu\n  listen: 127.0.0.1:${port}\n  upstream: 127.0.0.1:53\n  protocol: udp\n- name: dnst\n  listen: 127.0.0.1:${port}\n  upstream: 127.0.0.1:53\n- name: standby\n  listen: 127.0.0.1:${port}\n  upstream: 127.0.0.1:54\n  enabled: false\n- name: any1\n  listen: 127.0.0.1:0\n  upstream: 127.0.0.1:9\n- name: any2\n  listen: 127.0.0.1:0\n  upstream: 127.0.0.1:9\n`,
    );
    const dry = await run(['apply', '--dry-run', path]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /\(dry run: 5 changes not made\)\n$/);
  });
});
