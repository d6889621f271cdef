import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '../src/config/config-file.js';
import { runCli } from './helpers.js';

test('a value that is not one of a flag\'s choices gets "did you mean", as other typos do', async () => {
  const [protocol, dry, far] = await Promise.all([
    runCli(['create', 'p', '--upstream', '127.0.0.1:1', '--protocol', 'htp']),
    runCli(['run', '--dry', 'probs', 'x.json']),
    runCli(['run', '--dry', 'zzzzz', 'x.json']),
  ]);
  assert.equal(protocol.code, 2);
  assert.match(protocol.stderr, /Allowed choices are tcp, http, http2, udp; did you mean "http"\?\n/);
  assert.equal(dry.code, 2);
  // chaos run's click wording, as chaos-choice-errors checks for each of run's choices.
  assert.match(
    dry.stderr,
    /'probs' is not one of 'probes', 'actions', 'activities', 'pause'\. Did you mean "probes"\?\n/,
  );
  // Nothing near: the list alone, as before.
  assert.match(far.stderr, /'zzzzz' is not one of 'probes', 'actions', 'activities', 'pause'\.\n/);
  assert.doesNotMatch(far.stderr, /did you mean/);
});

test('watch --types with a typo of an event type or prefix says which one was meant', async () => {
  const [prefix, type] = await Promise.all([
    runCli(['watch', '--types', 'toxc']),
    runCli(['watch', '--types', 'toxic.fird']),
  ]);
  assert.equal(prefix.code, 2);
  assert.match(prefix.stderr, /no event type is or starts with "toxc"; did you mean "toxic"\? event types: /);
  assert.match(type.stderr, /"toxic\.fird"; did you mean "toxic\.fired"\? event types: /);
});

test('a config file: "proxy:" for "proxies:" is named, and a proxy\'s error names the proxy', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'faultline-typo-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const singular = join(dir, 'singular.yaml');
  await writeFile(singular, 'proxy:\n  - name: redis\n    upstream: 127.0.0.1:6379\n');
  await assert.rejects(loadConfigFile(singular), {
    message: new RegExp(
      `^config file ${singular}:1:1: unknown key "proxy"; did you mean "proxies"\\? a config file`,
    ),
  });
  const field = join(dir, 'field.yaml');
  await writeFile(
    field,
    'proxies:\n  - name: web\n    upstream: 127.0.0.1:80\n  - name: redis\n    upstream: 127.0.0.1:6379\n    toxix: []\n  - upstream: 127.0.0.1:1\n',
  );
  await assert.rejects(loadConfigFile(field), {
    message: new RegExp(`^config file ${field}:6:5: .*proxy 2 \\("redis"\\) has no field "toxix"`),
  });
  // An entry without a name is named by its place alone.
  await writeFile(field, 'proxies:\n  - upstream: 127.0.0.1:1\n    toxix: []\n');
  await assert.rejects(loadConfigFile(field), { message: /proxy 1 has no field "toxix"/ });
});
