import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { spawnCli } from './helpers.js';

describe('stdout closed early by its reader (faultline observe | head -1)', () => {
  test('the command ends quietly with 141, as a program killed by SIGPIPE, with no stack trace', async () => {
    const cli = spawnCli(['observe', '-c', '5']);
    await once(cli.child.stdout!, 'data');
    cli.child.stdout!.destroy();
    const result = await cli.done;
    assert.equal(result.code, 141);
    assert.equal(result.stderr, '');
  });
});
