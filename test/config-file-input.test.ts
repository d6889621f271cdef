import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '../src/config/config-file.js';
import { tempDirectory } from './helpers.js';

const directory = tempDirectory('config-input');

async function refusal(name: string, content: string | Buffer): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, content);
  const error = await loadConfigFile(path).then(
    () => assert.fail(`${name} was read`),
    (caught: Error) => caught,
  );
  return error.message;
}

test('aliases that expand without bound ("billion laughs") are refused naming the file and what to do', async () => {
  const levels = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
  for (let level = 1; level < 9; level += 1) {
    const previous = String.fromCharCode(96 + level);
    const name = String.fromCharCode(97 + level);
    levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
  }
  const message = await refusal('bomb.yaml', `${levels.join('\n')}\n`);
  assert.match(
    message,
    /^config file .*bomb\.yaml: not valid YAML or JSON: its aliases \(\*name\) expand past 100 copies, .*"billion laughs".*use fewer nested aliases$/,
  );
});

test('a binary file is said to be one, not parsed and echoed to the terminal', async () => {
  const message = await refusal('binary.yaml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x0a, 0x02, 0x00, 0x01]));
  assert.equal(
    message,
    `config file ${join(directory, 'binary.yaml')}:2: not a text file (it holds a NUL byte); give the YAML or JSON file of proxies`,
  );
});

test('a file in another encoding than UTF-8 names the line, rather than reading replacement characters', async () => {
  const latin1 = Buffer.from('proxies:\n  - name: caf\xe9\n    upstream: 127.0.0.1:1\n', 'latin1');
  const message = await refusal('latin1.yaml', latin1);
  assert.equal(
    message,
    `config file ${join(directory, 'latin1.yaml')}:2: not UTF-8 text; save the file as UTF-8`,
  );
});

test('a UTF-8 file with a byte order mark still reads', async () => {
  const path = join(directory, 'bom.yaml');
  await writeFile(path, '\ufeffproxies:\n  - name: bom\n    upstream: 127.0.0.1:1\n');
  assert.deepEqual(
    (await loadConfigFile(path)).map((spec) => spec.name),
    ['bom'],
  );
});

test('a line indented with a tab is said to be, where yaml says only "Unexpected scalar"', async () => {
  const message = await refusal('tab.yaml', '- name: a\n\tupstream: 127.0.0.1:1\n');
  assert.match(
    message,
    /^config file .*tab\.yaml:2:2: not valid YAML or JSON: .* \(a tab indents line 2: YAML indents with spaces only\)\n/,
  );
});
