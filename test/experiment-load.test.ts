import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvalidSource, loadExperiment } from '../src/experiment/load.js';
import { tempDirectory } from './helpers.js';

test('a JSON experiment with a syntax error names the line and column', async () => {
  const path = join(tempDirectory('load'), 'experiment.json');
  await writeFile(path, '{"title": "t",\n "description": "d",,\n "method": []}\n');
  await assert.rejects(
    loadExperiment(path),
    (error: Error) =>
      error instanceof InvalidSource &&
      /^Failed parsing JSON experiment: .*\(line 2, column 21\)$/.test(error.message),
  );
});

test('a binary file is said not to be text, its bytes not echoed in a parse error', async () => {
  const path = join(tempDirectory('load'), 'experiment.yaml');
  await writeFile(path, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x0a, 0x00, 0x01, 0x3a]));
  await assert.rejects(loadExperiment(path), {
    name: 'InvalidSource',
    message: `Path "${path}" is not a text file (it holds a NUL byte); give the experiment's JSON or YAML file.`,
  });
});

test('a JSON experiment with a key written twice reads the last value, as chaos, and names the key', async () => {
  const path = join(tempDirectory('load'), 'experiment.json');
  await writeFile(path, '{"title": "t",\n "description": "d",\n "title": "u",\n "method": []}\n');
  const warnings: string[] = [];
  const experiment = await loadExperiment(path, { warn: (message) => warnings.push(message) });
  assert.equal((experiment as { title: string }).title, 'u');
  assert.deepEqual(warnings, [
    "duplicate key 'title' (first written at line 1) in the JSON experiment: only its last value is read, as chaos reads it; write each key once",
  ]);
});

test('a YAML experiment with a duplicate key is refused naming the key and both lines', async () => {
  const path = join(tempDirectory('load'), 'experiment.yaml');
  await writeFile(path, 'title: t\ndescription: d\nmethod:\n  - name: a\n    type: action\n    name: b\n');
  await assert.rejects(loadExperiment(path), {
    name: 'InvalidSource',
    message:
      /^Failed parsing YAML experiment: duplicate key 'name' \(first written at line 4\): Map keys must be unique at line 6, column 5:/,
  });
});

test('a YAML experiment with an unquoted ${name} in a flow list says to quote it', async () => {
  const path = join(tempDirectory('load'), 'experiment.yaml');
  await writeFile(
    path,
    'title: t\ndescription: d\nmethod:\n  - type: probe\n    name: p\n    provider: {type: process, path: echo, arguments: [${a}, x]}\n',
  );
  await assert.rejects(loadExperiment(path), {
    name: 'InvalidSource',
    message:
      /at line 6, column .*\^\na \$\{name\} inside \[\.\.\.\] or \{\.\.\.\} must be quoted, '\$\{name\}', as chaos's PyYAML needs it too$/s,
  });
  const other = join(tempDirectory('load'), 'other.yaml');
  await writeFile(other, 'title: t\ndescription: d\nmethod: [a, b\n');
  await assert.rejects(loadExperiment(other), (error: Error) => !error.message.includes('must be quoted'));
});

test('an experiment URL that answers 404 or 500 names the URL, the status and the body', async () => {
  const server = http.createServer((request, response) => {
    response.statusCode = request.url === '/gone.json' ? 404 : 500;
    response.end(request.url === '/gone.json' ? 'no such experiment\n' : '');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await assert.rejects(loadExperiment(`${base}/gone.json`), {
      name: 'InvalidSource',
      message: `Failed to fetch the experiment: ${base}/gone.json answered HTTP 404: no such experiment`,
    });
    await assert.rejects(loadExperiment(`${base}/broken.json`), {
      name: 'InvalidSource',
      message: `Failed to fetch the experiment: ${base}/broken.json answered HTTP 500 (empty body)`,
    });
  } finally {
    server.close();
  }
});
