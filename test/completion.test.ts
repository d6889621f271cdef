import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
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

function complete(words: string[], env: Record<string, string>, cwd?: string): Promise<string[]> {
  const program = `source /dev/stdin <<'SCRIPT'\n${script('bash')}\nSCRIPT\nCOMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')})\nCOMP_CWORD=${words.length - 1}\n_faultline\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['-c', program],
      { env: { ...process.env, ...env }, timeout: 20_000, ...(cwd === undefined ? {} : { cwd }) },
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

/** Started here, not in a hook: the harness closes after the hook or test that starts it. */
const namesHarness = await startHarness();
const namesBin = await binDirectory();
await namesHarness.api('POST', '/proxies', {
  name: 'kafka',
  listen: '127.0.0.1:0',
  upstream: (await startEchoServer()).address,
});

describe('proxy names come from the faultline being completed, and its server', () => {
  const harness = namesHarness;
  const bin = namesBin;
  /** PATH with node and the shell's tools, but no faultline on it. */
  const withoutFaultline = () => ({
    PATH: [dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    FAULTLINE_URL: harness.url,
  });

  test('invoked by a path, as ./node_modules/.bin/faultline', async () => {
    assert.deepEqual(await complete([join(bin, 'faultline'), 'inspect', ''], withoutFaultline()), ['kafka']);
  });

  test('invoked as npx faultline, from a project that has it installed', async () => {
    const project = tempDirectory('project');
    await mkdir(join(project, 'node_modules', '.bin'), { recursive: true });
    await writeFile(join(project, 'package.json'), '{"name":"uses-faultline","private":true}\n');
    await symlink(join(bin, 'faultline'), join(project, 'node_modules', '.bin', 'faultline'));
    const env = withoutFaultline();
    assert.deepEqual(await complete(['npx', 'faultline', 'inspect', 'ka'], env, project), ['kafka']);
    assert.deepEqual(await complete(['npx', 'faultline', 'to'], env, project), ['toggle', 'tog', 'toxic']);
    assert.deepEqual(await complete(['npx', 'fau'], env, project), ['faultline']);
  });

  test('with the -h/--host the line gives, before or after the command', async () => {
    const env = { PATH: `${bin}:${process.env.PATH}` };
    assert.deepEqual(await complete(['faultline', '-h', harness.url, 'inspect', ''], env), ['kafka']);
    assert.deepEqual(await complete(['faultline', 'toxic', 'add', '--host', harness.url, ''], env), [
      'kafka',
    ]);
  });
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
