import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import type { Command } from 'commander';
import { commandTable } from '../src/cli/command-table.js';
import { runCli, spawnCli, tempDirectory, waitFor } from './helpers.js';

/** NODE_OPTIONS that make the child print every module it resolves, as "LOADED <url>" on stderr. */
function recordingLoads(): Record<string, string> {
  const directory = tempDirectory('lazy');
  const hooks = join(directory, 'hooks.mjs');
  writeFileSync(
    hooks,
    'export async function resolve(specifier, context, next) {\n' +
      '  const resolved = await next(specifier, context);\n' +
      '  process.stderr.write(`LOADED ${resolved.url}\\n`);\n' +
      '  return resolved;\n' +
      '}\n',
  );
  const register = join(directory, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
  return { NODE_OPTIONS: `--import ${pathToFileURL(register).href}` };
}

const loaded = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('LOADED '))
    .map((line) => line.slice('LOADED '.length));

describe('each command loads only its own modules', () => {
  test('the server loads neither the runner, the system faults, in-process nor browser faults', async () => {
    const server = spawnCli(['server', '--port', '0', '--log-level', 'warn'], recordingLoads());
    await waitFor(() => server.output().stderr.includes('listening on'), 'the server to listen', 30_000);
    process.kill(server.child.pid!, 'SIGTERM');
    const { stderr } = await server.done;
    const modules = loaded(stderr);
    assert.ok(
      modules.some((url) => url.endsWith('/dist/src/server/app.js')),
      'the recording works: it saw the control API load',
    );
    assert.deepEqual(
      modules.filter((url) => /\/dist\/src\/(experiment|system|inject|browser)\//.test(url)),
      [],
    );
    assert.deepEqual(
      modules.filter((url) => /\/node_modules\/(yaml|prom-client|undici|playwright-core)\//.test(url)),
      [],
    );
  });

  test('--version loads no command', async () => {
    const { code, stdout, stderr } = await runCli(['--version'], recordingLoads());
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    assert.equal(code, 0);
    assert.equal(stdout, `${manifest.version}\n`);
    assert.ok(loaded(stderr).some((url) => url.endsWith('/dist/src/cli/command-table.js')));
    assert.deepEqual(
      loaded(stderr).filter((url) => /\/dist\/src\/cli\/[a-z-]+-commands?\.js$/.test(url)),
      [],
    );
  });

  test('every entry of the command table answers to exactly its command’s name and aliases', async () => {
    const program = (): Command => assert.fail('no command may need the program while it is built');
    for (const entry of commandTable) {
      const command = entry.names.includes('completion')
        ? await entry.load(() => ({}) as Command)
        : await entry.load(program);
      assert.deepEqual([command.name(), ...command.aliases()], entry.names);
    }
  });
});
