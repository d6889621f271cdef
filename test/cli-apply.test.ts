import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { openLocalCa } from '../src/system/local-ca.js';
import { runCli, startEchoServer, startHarness, startTcpServer, tempDirectory } from './helpers.js';

const ca = await openLocalCa(join(tempDirectory('cli-apply'), 'ca'));
const harness = await startHarness({ issueCertificate: (hosts) => ca.issue(hosts) });
const echo = await startEchoServer();
const directory = tempDirectory('cli-apply-files');
const run = (args: string[]) => runCli(args, { FAULTLINE_URL: harness.url }, false);
const status = async (name: string) => (await harness.api('GET', `/proxies/${name}`)).status;
const indented = (pem: string, spaces: number) =>
  pem
    .trimEnd()
    .split('\n')
    .map((line) => `${' '.repeat(spaces)}${line}`)
    .join('\n');

async function file(name: string, text: string): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, text);
  return path;
}

describe('apply checks certificates before it changes anything, with --dry-run too', () => {
  test('a file path where PEM belongs: dry run and real apply refuse it, and the udp proxy before it is not created', async () => {
    const path = await file(
      'bad.yaml',
      `proxies:
  - name: d
    listen: 127.0.0.1:0
    upstream: 127.0.0.1:53
    protocol: udp
  - name: w
    listen: 127.0.0.1:0
    upstream: ${echo.address}
    protocol: http
    tls: { auto: true, client_ca: pki/clientca.pem }
`,
    );
    const expected = `faultline: config file ${path}: proxy "w": invalid tls.client_ca: it is not PEM: expected -----BEGIN CERTIFICATE-----; "pki/clientca.pem" looks like a file path, but the server never reads files: put the PEM text inline (a YAML "|" block) or use faultline create --tls-client-ca FILE; nothing was applied\n`;
    assert.deepEqual(await run(['apply', '--dry-run', path]), { code: 2, stdout: '', stderr: expected });
    assert.deepEqual(await run(['apply', path]), { code: 2, stdout: '', stderr: expected });
    assert.equal(await status('d'), 404);
    assert.equal(await status('w'), 404);
  });

  test('an exported [redacted] key is refused by the dry run of a file that would create the proxy', async () => {
    const pair = await ca.issue(['127.0.0.1']);
    const created = await harness.api('POST', '/proxies', {
      name: 'webpem',
      listen: '127.0.0.1:0',
      upstream: echo.address,
      protocol: 'http',
      tls: pair,
    });
    assert.equal(created.status, 201, created.text);
    const exported = await run(['export']);
    const path = await file('redacted.yaml', exported.stdout);
    assert.deepEqual(await run(['apply', '--dry-run', path]), {
      code: 0,
      stdout: `no changes: the server matches ${path}\n`,
      stderr: '',
    });
    assert.equal((await harness.api('DELETE', '/proxies/webpem')).status, 204);
    const dry = await run(['apply', '--dry-run', path]);
    assert.equal(dry.code, 2);
    assert.equal(dry.stdout, '');
    assert.match(
      dry.stderr,
      /^faultline: config file .*: proxy "webpem": invalid tls\.key: it is "\[redacted\]", as GET \/proxies and faultline export show private keys; put the PEM key back in the file, or use tls\.auto; nothing was applied\n$/,
    );
    assert.equal(await status('webpem'), 404);
  });
});

describe('a failure only the server finds undoes what the apply changed', () => {
  test('a port in use: the created proxy is deleted, the updated proxy and its toxics are restored', async () => {
    const busy = await startTcpServer((socket) => socket.destroy());
    const kept = await harness.api('POST', '/proxies', {
      name: 'kept',
      listen: '127.0.0.1:0',
      upstream: echo.address,
      toxics: [
        { name: 'a', type: 'latency', attributes: { latency: 10 } },
        { name: 'b', type: 'latency', stream: 'upstream', attributes: { latency: 5 } },
      ],
    });
    assert.equal(kept.status, 201, kept.text);
    const before = (await harness.api('GET', '/proxies/kept')).json;
    const path = await file(
      'busy.yaml',
      `proxies:
  - name: kept
    listen: ${before.listen}
    upstream: ${echo.address}
    enabled: false
    toxics:
      - { name: a, type: latency, attributes: { latency: 99 } }
      - { name: c, type: bandwidth, attributes: { rate: 1 } }
  - name: fresh
    listen: 127.0.0.1:0
    upstream: ${echo.address}
    toxics:
      - { name: slow, type: latency, attributes: { latency: 7 } }
  - name: blocked
    listen: ${busy.address}
    upstream: ${echo.address}
`,
    );
    const dry = await run(['apply', '--dry-run', path]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(
      dry.stdout,
      `~ proxy kept: disabled
- toxic kept/b
~ toxic kept/a: latency 10 -> 99
+ toxic kept/c (bandwidth, downstream)
+ proxy fresh 127.0.0.1:0 -> ${echo.address}
+ toxic fresh/slow (latency, downstream)
+ proxy blocked ${busy.address} -> ${echo.address}
(dry run: 7 changes not made)
`,
    );
    const applied = await run(['apply', path]);
    assert.equal(applied.code, 1);
    assert.match(
      applied.stderr,
      new RegExp(
        `^faultline: apply stopped at "\\+ proxy blocked ${busy.address} -> ${echo.address}": create proxy blocked: HTTP 500: listen tcp ${busy.address}: bind: address already in use\\n.*\\nundid the 5 steps made before it: nothing was left changed\\n$`,
      ),
    );
    assert.equal(await status('fresh'), 404);
    assert.equal(await status('blocked'), 404);
    assert.deepEqual((await harness.api('GET', '/proxies/kept')).json, before);
  });

  test('"1 change" is singular', async () => {
    const path = await file(
      'one.yaml',
      `proxies:\n  - name: single\n    listen: 127.0.0.1:0\n    upstream: ${echo.address}\n`,
    );
    assert.match((await run(['apply', '--dry-run', path])).stdout, /\n\(dry run: 1 change not made\)\n$/);
  });
});

describe('a real apply says what it did', () => {
  test('each change a line, then the count by kind: proxies created, updated, removed; toxics added, updated, removed', async () => {
    const mix = await harness.api('POST', '/proxies', {
      name: 'mix',
      listen: '127.0.0.1:0',
      upstream: echo.address,
      toxics: [
        { name: 'a', type: 'latency', attributes: { latency: 10 } },
        { name: 'b', type: 'latency', stream: 'upstream', attributes: { latency: 5 } },
      ],
    });
    assert.equal(mix.status, 201, mix.text);
    const gone = await harness.api('POST', '/proxies', {
      name: 'gone',
      listen: '127.0.0.1:0',
      upstream: echo.address,
    });
    assert.equal(gone.status, 201, gone.text);
    // A protocol change makes the proxy again: it is removed and created, and said so.
    const path = await file(
      'mix.yaml',
      `proxies:
  - name: mix
    listen: ${mix.json.listen}
    upstream: ${echo.address}
    enabled: false
    toxics:
      - { name: a, type: latency, attributes: { latency: 99 } }
      - { name: c, type: bandwidth, attributes: { rate: 1 } }
  - name: gone
    listen: 127.0.0.1:0
    upstream: ${echo.address}
    protocol: http
    toxics:
      - { name: slow, type: latency, attributes: { latency: 7 } }
`,
    );
    const applied = await run(['apply', path]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(
      applied.stdout,
      `~ proxy mix: disabled
- toxic mix/b
~ toxic mix/a: latency 10 -> 99
+ toxic mix/c (bandwidth, downstream)
- proxy gone (protocol tcp)
+ proxy gone 127.0.0.1:0 -> ${echo.address} (protocol http)
+ toxic gone/slow (latency, downstream)
(7 changes made: 1 proxy created, 1 proxy updated, 1 proxy removed, 2 toxics added, 1 toxic updated, 1 toxic removed)
`,
    );
    assert.equal((await harness.api('GET', '/proxies/gone')).json.protocol, 'http');
    assert.deepEqual(
      (await harness.api('GET', '/proxies/mix/toxics')).json
        .map((toxic: { name: string }) => toxic.name)
        .sort(),
      ['a', 'c'],
    );
  });
});

describe('export with certificates stays readable and round-trips', () => {
  test('keys plain, PEM as | blocks, and export then apply changes nothing', async () => {
    const created = await harness.api('POST', '/proxies', {
      name: 'mtls',
      listen: '127.0.0.1:0',
      upstream: echo.address,
      protocol: 'http',
      tls: { auto: true, client_ca: ca.certificatePem },
    });
    assert.equal(created.status, 201, created.text);
    const exported = await run(['export']);
    assert.equal(exported.code, 0, exported.stderr);
    // "|" keeps a final line break, "|-" strips it: the PEM comes back exactly as given.
    const blockIndicator = ca.certificatePem.endsWith('\n') ? '|' : '|-';
    assert.ok(
      exported.stdout.includes(
        `  - name: mtls\n    listen: ${created.json.listen}\n    upstream: ${echo.address}\n    enabled: true\n    protocol: http\n    tls:\n      auto: true\n      client_ca: ${blockIndicator}\n${indented(ca.certificatePem, 8)}\n    toxics: []\n`,
      ),
      exported.stdout,
    );
    assert.doesNotMatch(exported.stdout, /"name"/);
    const path = await file('export.yaml', exported.stdout);
    assert.deepEqual(await run(['apply', path]), {
      code: 0,
      stdout: `no changes: the server matches ${path}\n`,
      stderr: '',
    });
    assert.equal((await readFile(path, 'utf8')).split('-----BEGIN CERTIFICATE-----').length, 2);
  });
});

describe('list shows protocol and settings', () => {
  test('piped: the five columns of toxiproxy-cli; --wide adds protocol and TLS / idle_timeout in words', async () => {
    await harness.api('POST', '/proxies', {
      name: 'udpflows',
      listen: '127.0.0.1:0',
      upstream: '127.0.0.1:53',
      protocol: 'udp',
      idle_timeout: 5000,
    });
    await harness.api('POST', '/proxies', {
      name: 'tlsboth',
      listen: '127.0.0.1:0',
      upstream: echo.address,
      tls: { auto: true },
      upstream_tls: { insecure: true, servername: 'api.test' },
    });
    const plain = (await run(['list'])).stdout.split('\n').filter((text) => text.length > 0);
    assert.deepEqual(
      plain.map((text) => text.split('\t').length),
      plain.map(() => 5),
    );
    const lines = (await run(['list', '--wide'])).stdout.split('\n');
    const line = (name: string) =>
      lines
        .find((text) => text.startsWith(`${name}\t`))!
        .split('\t')
        .slice(4);
    assert.deepEqual(line('udpflows'), ['0', 'udp', 'idle_timeout 5000 ms']);
    assert.deepEqual(line('tlsboth'), [
      '0',
      'tcp',
      "tls auto (faultline's local CA); upstream tls not verified (insecure), servername api.test",
    ]);
    assert.deepEqual(line('mtls'), [
      '0',
      'http',
      "tls auto (faultline's local CA), client certificates required (client_ca)",
    ]);
    const json = JSON.parse((await run(['list', '--json'])).stdout);
    assert.deepEqual(json.udpflows, (await harness.api('GET', '/proxies/udpflows')).json, 'the API JSON');
  });
});

test('a udp proxy in the file without idle_timeout is put back to the default 60000, as a file without tls takes TLS off', async () => {
  const created = await harness.api('POST', '/proxies', {
    name: 'udpidle',
    listen: '127.0.0.1:0',
    upstream: '127.0.0.1:53',
    protocol: 'udp',
    idle_timeout: 4321,
  });
  assert.equal(created.status, 201, created.text);
  const listen = (created.json as { listen: string }).listen;
  const path = await file(
    'udp-idle.yaml',
    `proxies:\n  - name: udpidle\n    listen: ${listen}\n    upstream: 127.0.0.1:53\n    protocol: udp\n`,
  );
  const applied = await run(['apply', path]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /~ proxy udpidle: idle_timeout 4321 -> 60000\n/);
  const after = (await harness.api('GET', '/proxies/udpidle')).json as { idle_timeout: number };
  assert.equal(after.idle_timeout, 60000);
  assert.deepEqual(await run(['apply', '--dry-run', path]), {
    code: 0,
    stdout: `no changes: the server matches ${path}\n`,
    stderr: '',
  });
});
