import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startEchoServer, startHarness, tempDirectory } from './helpers.js';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const script = (shell: string) =>
  execFileSync(process.execPath, [cli, 'completion', shell], { encoding: 'utf8' });

/** A directory with a `faultline` executable, so the scripts can list proxies as installed ones would. */
async function binDirectory(): Promise<string> {
  const directory = tempDirectory('bin');
  const wrapper = join(directory, 'faultline');
  await writeFile(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`);
  await chmod(wrapper, 0o755);
  return directory;
}

function complete(words: string[], env: Record<string, string>): Promise<string[]> {
  const program = `source /dev/stdin <<'SCRIPT'\n${script('bash')}\nSCRIPT\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')})\nCOMP_CWORD=${words.length - 1}\n_faultline\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['-c', program],
      { env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout) => (error ? reject(error) : resolve(stdout.split('\n').filter(Boolean))),
    );
  });
}

test('bash completes commands, subcommands, flags and live proxy names', async () => {
  const harness = await startHarness();
  const echo = await startEchoServer();
  await harness.api('POST', '/proxies', { name: 'redis', listen: '127.0.0.1:0', upstream: echo.address });
  await harness.api('POST', '/proxies', { name: 'postgres', listen: '127.0.0.1:0', upstream: echo.address });
  const env = { PATH: `${await binDirectory()}:${process.env.PATH}`, FAULTLINE_URL: harness.url };
  assert.deepEqual(await complete(['faultline', 'to'], env), ['toggle', 'tog', 'toxic']);
  assert.deepEqual(await complete(['faultline', 'toxic', ''], env), [
    'add',
    'a',
    'update',
    'u',
    'remove',
    'r',
    'delete',
    'd',
  ]);
  assert.ok((await complete(['faultline', 'toxic', 'add', '--t'], env)).includes('--toxicity'));
  assert.deepEqual(await complete(['faultline', 'inspect', ''], env), ['postgres', 'redis']);
  assert.deepEqual(await complete(['faultline', 'toxic', 'add', 're'], env), ['redis']);
});

test('the zsh script is valid zsh and covers every command', () => {
  let zsh: string;
  try {
    zsh = execFileSync('sh', ['-c', 'command -v zsh'], { encoding: 'utf8' }).trim();
  } catch {
    assert.fail(
      'zsh is not installed: install the Debian package "zsh" (apt-get install zsh) to check the zsh script',
    );
  }
  const text = script('zsh');
  execFileSync(zsh, ['-n', '-c', text]);
  assert.match(text, /^#compdef faultline/);
  for (const command of [
    'list',
    'inspect',
    'create',
    'toggle',
    'delete',
    'toxic',
    'apply',
    'export',
    'watch',
  ]) {
    assert.match(text, new RegExp(`'${command}:`));
  }
});

test('an unknown shell is refused', () => {
  assert.throws(() => script('fish'), /completion is available for bash and zsh/);
});
