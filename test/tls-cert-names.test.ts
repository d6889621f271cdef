import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { createClient } from '../src/client/index.js';
import type { EngineEvent } from '../src/model/events.js';
import { openLocalCa } from '../src/system/local-ca.js';
import {
  connect,
  runCli,
  selfSignedCertificate,
  spawnCli,
  startHarness,
  startHttpApp,
  tempDirectory,
  waitFor,
} from './helpers.js';

const run = promisify(execFile);
const directory = tempDirectory('tls-cert-names');
const ca = await openLocalCa(join(directory, 'ca'));
const harness = await startHarness();
const events: EngineEvent[] = [];
harness.engine.events.on((event) => events.push(event));
const app = await startHttpApp((_request, response) => response.end('reached'));
const upstream = new URL(app.origin).host;
const exampleOnly = await ca.issue(['example.test']);

const warningOf = (headers: Headers) => headers.get('warning') ?? '';

/** Runs openssl s_client against the proxy, verifying as the options say; resolves when it exits. */
async function sClient(port: number, ...options: string[]): Promise<void> {
  const child = spawn(
    'openssl',
    [
      's_client',
      '-connect',
      `127.0.0.1:${port}`,
      '-CAfile',
      ca.certificatePath,
      '-verify_return_error',
      ...options,
    ],
    { stdio: ['pipe', 'ignore', 'ignore'] },
  );
  child.stdin.end();
  await new Promise((resolve) => child.once('exit', resolve));
}

/** Connects with Node's tls, trusting the CA, and resolves with the code of the error it meets. */
function nodeClientError(port: number, servername?: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca: ca.certificatePem,
      ...(servername === undefined ? {} : { servername }),
    });
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

function failureOf(proxy: string, count: number): Extract<EngineEvent, { type: 'tls.failed' }> | undefined {
  const failures = events.filter(
    (event): event is Extract<EngineEvent, { type: 'tls.failed' }> =>
      event.type === 'tls.failed' && event.proxy === proxy,
  );
  return failures[count - 1];
}

test('a certificate that does not name the listen address is accepted with a warning saying what clients will do', async () => {
  const reply = await harness.api('POST', '/proxies', {
    name: 'other_name',
    listen: '127.0.0.1:0',
    upstream,
    protocol: 'http',
    tls: exampleOnly,
  });
  assert.equal(reply.status, 201, reply.text);
  const port = Number(String(reply.json.listen).split(':').pop());
  const warning = warningOf(reply.headers);
  assert.ok(
    warning.startsWith(
      '299 faultline "proxy \\"other_name\\": tls.cert names DNS:example.test, not 127.0.0.1 or localhost where the proxy listens',
    ),
    warning,
  );
  assert.ok(
    warning.includes(`curl --resolve example.test:${port}:127.0.0.1 https://example.test:${port}/`),
    warning,
  );

  // What the warning offers works: a client that asks for the certificate's name is served.
  const served = await run('curl', [
    '-sS',
    '--cacert',
    ca.certificatePath,
    '--resolve',
    `example.test:${port}:127.0.0.1`,
    `https://example.test:${port}/`,
  ]);
  assert.equal(served.stdout, 'reached');

  const named = await harness.api('POST', '/proxies', {
    name: 'right_name',
    listen: '127.0.0.1:0',
    upstream,
    tls: await ca.issue(['localhost']),
  });
  assert.equal(named.status, 201, named.text);
  assert.equal(named.headers.get('warning'), null, 'a certificate for localhost suits a proxy on 127.0.0.1');
});

test('a client that refuses the certificate for its name is a tls.failed event naming what the certificate carries and what the client asked for', async () => {
  const reply = await harness.api('POST', '/proxies', {
    name: 'refused_name',
    listen: '127.0.0.1:0',
    upstream,
    tls: exampleOnly,
  });
  const port = Number(String(reply.json.listen).split(':').pop());
  await sClient(port, '-verify_ip', '127.0.0.1');
  await waitFor(() => failureOf('refused_name', 1) !== undefined, 'tls.failed of the address');
  const byAddress = failureOf('refused_name', 1)!;
  assert.equal(byAddress.code, 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE');
  assert.ok(
    byAddress.error.startsWith(
      "the client refused the proxy's certificate (sslv3 alert bad certificate): it names DNS:example.test, not 127.0.0.1, the address the client connected to, without a servername; give tls.cert a certificate for 127.0.0.1",
    ),
    byAddress.error,
  );
  await sClient(port, '-servername', 'wrong.test', '-verify_hostname', 'wrong.test');
  await waitFor(() => failureOf('refused_name', 2) !== undefined, 'tls.failed of the servername');
  assert.ok(
    failureOf('refused_name', 2)!.error.includes(
      'it names DNS:example.test, not wrong.test, the servername (SNI) the client asked for',
    ),
    failureOf('refused_name', 2)!.error,
  );
});

test("Node's tls client, which closes without an alert, is a tls.failed event at once, naming the mismatch when the certificate names none of the listen hosts", async () => {
  const reply = await harness.api('POST', '/proxies', {
    name: 'node_refused',
    listen: '127.0.0.1:0',
    upstream,
    tls: exampleOnly,
  });
  const port = Number(String(reply.json.listen).split(':').pop());
  const refusal = await nodeClientError(port);
  assert.equal(refusal, 'ERR_TLS_CERT_ALTNAME_INVALID');
  // Before, the proxy noticed only at its 10 s handshake timeout, and called it that.
  await waitFor(() => failureOf('node_refused', 1) !== undefined, 'tls.failed', 5_000);
  const failure = failureOf('node_refused', 1)!;
  assert.equal(failure.code, 'ECONNRESET');
  assert.ok(
    failure.error.startsWith(
      "the client closed the connection during the handshake (socket hang up), and the proxy's certificate names DNS:example.test, not 127.0.0.1 or localhost where it listens",
    ),
    failure.error,
  );

  // A port check that connects and closes without a hello is not put down to the certificate.
  const check = await connect(port);
  check.end();
  await waitFor(() => failureOf('node_refused', 2) !== undefined, 'tls.failed of the port check', 5_000);
  assert.equal(
    failureOf('node_refused', 2)!.error,
    'the client closed the connection before it began a handshake (socket hang up), as a port check does',
  );

  const fits = await harness.api('POST', '/proxies', {
    name: 'node_other_servername',
    listen: '127.0.0.1:0',
    upstream,
    tls: await ca.issue(['127.0.0.1']),
  });
  const fitsPort = Number(String(fits.json.listen).split(':').pop());
  assert.equal(await nodeClientError(fitsPort, 'elsewhere.test'), 'ERR_TLS_CERT_ALTNAME_INVALID');
  await waitFor(() => failureOf('node_other_servername', 1) !== undefined, 'tls.failed', 5_000);
  assert.equal(
    failureOf('node_other_servername', 1)!.error,
    'the client closed the connection during the handshake (socket hang up)',
  );
});

test('a certificate that names the address in its CN alone: the warning and the event say clients need it in subjectAltName, and curl, which reads the CN, is served', async () => {
  const key = join(directory, 'cn-only.key');
  const cert = join(directory, 'cn-only.pem');
  selfSignedCertificate(key, cert);
  const certPem = readFileSync(cert, 'utf8');
  const reply = await harness.api('POST', '/proxies', {
    name: 'cn_only',
    listen: '127.0.0.1:0',
    upstream,
    tls: { cert: certPem, key: readFileSync(key, 'utf8') },
  });
  assert.equal(reply.status, 201, reply.text);
  const port = Number(String(reply.json.listen).split(':').pop());
  assert.ok(
    warningOf(reply.headers).includes(
      "tls.cert names 127.0.0.1 in its subject's CN alone, without a subjectAltName: clients that connect to",
    ),
    warningOf(reply.headers),
  );
  // The header is ASCII; the client reads the suggested command back with its ellipsis, not "?".
  const warnings: string[] = [];
  await createClient({ url: harness.url, token: '' }).createProxy(
    {
      name: 'cn_only_again',
      listen: '127.0.0.1:0',
      upstream,
      tls: { cert: certPem, key: readFileSync(key, 'utf8') },
    },
    { onWarning: (text) => warnings.push(text) },
  );
  assert.ok(warnings[0]?.includes('(openssl req -x509 … -addext subjectAltName=IP:127.0.0.1)'), warnings[0]);
  assert.doesNotMatch(warningOf(reply.headers), /[^\x20-\x7e]/);
  const served = await run('curl', ['-sS', '--cacert', cert, `https://127.0.0.1:${port}/`]);
  assert.equal(served.stdout, 'reached');
  const socket = tls.connect({ host: '127.0.0.1', port, ca: certPem });
  const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
  assert.equal(error.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  await waitFor(() => failureOf('cn_only', 1) !== undefined, 'tls.failed', 5_000);
  assert.ok(
    failureOf('cn_only', 1)!.error.includes(
      "the proxy's certificate names 127.0.0.1 in its subject's CN alone, without a subjectAltName",
    ),
    failureOf('cn_only', 1)!.error,
  );
});

test('changing the listen address or tls says it again; other changes, and /populate of a certificate that fits, do not', async () => {
  const created = await harness.api('POST', '/proxies', {
    name: 'moved',
    listen: '127.0.0.1:0',
    upstream,
  });
  assert.equal(created.headers.get('warning'), null);
  const withTls = await harness.api('PATCH', '/proxies/moved', { tls: exampleOnly });
  assert.match(warningOf(withTls.headers), /tls\.cert names DNS:example\.test/);
  const moved = await harness.api('PATCH', '/proxies/moved', { listen: '127.0.0.2:0' });
  assert.match(warningOf(moved.headers), /not 127\.0\.0\.2 or localhost where the proxy listens/);
  const everywhere = await harness.api('PATCH', '/proxies/moved', { listen: '0.0.0.0:0' });
  const everywherePort = String(everywhere.json.listen).split(':').pop()!;
  assert.match(
    warningOf(everywhere.headers),
    new RegExp(
      `not localhost or 127\\.0\\.0\\.1 or ::1 or .+ where the proxy listens: clients that connect to 127\\.0\\.0\\.1:${everywherePort} `,
    ),
  );
  const disabled = await harness.api('PATCH', '/proxies/moved', { enabled: false });
  assert.equal(disabled.headers.get('warning'), null);
  const populated = await harness.api('POST', '/populate', [
    { name: 'populated', listen: '127.0.0.1:0', upstream, tls: exampleOnly },
    { name: 'fits', listen: '127.0.0.1:0', upstream, tls: await ca.issue(['127.0.0.1']) },
  ]);
  assert.equal(populated.status, 201, populated.text);
  assert.match(warningOf(populated.headers), /^299 faultline "proxy \\"populated\\": tls\.cert names/);
  assert.doesNotMatch(warningOf(populated.headers), /fits/);
});

test('faultline create prints the warning on stderr and creates the proxy; the client hands it to onWarning', async () => {
  writeFileSync(join(directory, 'cert.pem'), exampleOnly.cert);
  writeFileSync(join(directory, 'key.pem'), exampleOnly.key);
  const created = await runCli([
    '-h',
    harness.url,
    'create',
    'cli_name',
    '-l',
    '127.0.0.1:0',
    '-u',
    `${upstream}`,
    '--tls-cert',
    join(directory, 'cert.pem'),
    '--tls-key',
    join(directory, 'key.pem'),
  ]);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, 'Created new proxy cli_name\n');
  assert.match(
    created.stderr,
    /^faultline: warning: proxy "cli_name": tls\.cert names DNS:example\.test, not 127\.0\.0\.1 or localhost where the proxy listens: .*or use tls\.auto\n$/,
  );

  const warnings: string[] = [];
  const client = createClient({ url: harness.url, token: '' });
  await client.createProxy(
    { name: 'client_name', listen: '127.0.0.1:0', upstream, tls: exampleOnly },
    { onWarning: (text) => warnings.push(text) },
  );
  assert.equal(warnings.length, 1);
  assert.ok(warnings[0]!.startsWith('proxy "client_name": tls.cert names DNS:example.test'), warnings[0]);
  await assert.rejects(
    client.proxies({ onWarning: 'print' } as never),
    /list proxies: onWarning must be a function, received string/,
  );
});

test('faultline apply --dry-run prints the warning the server would give, and changes nothing', async () => {
  const file = join(directory, 'apply.json');
  writeFileSync(
    file,
    JSON.stringify([{ name: 'dry_name', listen: '127.0.0.1:0', upstream, tls: exampleOnly }]),
  );
  const dry = await runCli(['-h', harness.url, 'apply', file, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^\+ proxy dry_name /m);
  assert.equal(
    dry.stderr,
    `faultline: warning: proxy "dry_name": tls.cert names DNS:example.test, not 127.0.0.1 or localhost where the proxy listens: clients that connect to 127.0.0.1:PORT and check the name refuse it (curl exit 60, Node ERR_TLS_CERT_ALTNAME_INVALID) unless they ask for a name it carries (curl --resolve example.test:PORT:127.0.0.1 https://example.test:PORT/, openssl s_client -connect 127.0.0.1:PORT -servername example.test); give a certificate for 127.0.0.1, or use tls.auto\n`,
  );
  assert.equal((await harness.api('GET', '/proxies/dry_name')).status, 404);
  const applied = await runCli(['-h', harness.url, 'apply', file]);
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(
    applied.stderr,
    /^faultline: warning: proxy "dry_name": tls\.cert names DNS:example\.test.*127\.0\.0\.1:\d+ and check/,
  );
});

test('faultline server --config logs the warning of a proxy it makes from the file', async () => {
  const config = join(directory, 'config.json');
  writeFileSync(
    config,
    JSON.stringify([{ name: 'from_file', listen: '127.0.0.1:0', upstream, tls: exampleOnly }]),
  );
  const server = spawnCli(['server', '--port', '0', '--config', config], {
    FAULTLINE_CA_DIR: join(directory, 'server-ca'),
  });
  await waitFor(() => server.output().stdout.includes('faultline server listening'), 'the server');
  const warning = server
    .output()
    .stdout.split('\n')
    .map((line) =>
      line.startsWith('{')
        ? (JSON.parse(line) as { level: string; message: string; proxy?: string })
        : undefined,
    )
    .find((entry) => entry?.proxy === 'from_file' && entry.level === 'warn');
  assert.ok(
    warning?.message.startsWith('proxy "from_file": tls.cert names DNS:example.test'),
    server.output().stdout,
  );
  process.kill(server.child.pid!, 'SIGTERM');
  await server.done;
});
