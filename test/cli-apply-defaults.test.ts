import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { runCli, startHarness, tempDirectory } from './helpers.js';

const harness = await startHarness();
const directory = tempDirectory('cli-apply-defaults');
const run = (args: string[]) => runCli(args, { FAULTLINE_URL: harness.url }, false);

async function file(name: string, text: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, text);
  return path;
}

describe('a setting the file leaves out means its default, as a toxic list left out means none', () => {
  test('a udp proxy without idle_timeout gets 60000 back after a live change, and apply says so', async () => {
    const created = await harness.api('POST', '/proxies', {
      name: 'flows',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:53',
      protocol: 'udp',
    });
    assert.equal(created.status, 201, created.text);
    const changed = await harness.api('PATCH', '/proxies/flows', { idle_timeout: 1234 });
    assert.equal(changed.status, 200, changed.text);
    const path = await file(
      'flows.yaml',
      `- name: flows\n  listen: 127.0.0.1:0\n  upstream: 127.0.0.1:53\n  protocol: udp\n`,
    );
    assert.deepEqual(await run(['apply', '--dry-run', path]), {
      code: 0,
      stdout: '~ proxy flows: idle_timeout 1234 -> 60000\n(dry run: 1 change not made)\n',
      stderr: '',
    });
    const applied = await run(['apply', path]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal((await harness.api('GET', '/proxies/flows')).json.idle_timeout, 60000);
    assert.equal((await run(['apply', path])).stdout, `no changes: the server matches ${path}\n`);
  });
});
