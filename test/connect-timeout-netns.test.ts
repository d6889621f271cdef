import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnCollecting, tempDirectory } from './helpers.js';

/**
 * An upstream whose connect times out at the kernel (ETIMEDOUT, syscall connect), on loopback
 * inside a network namespace this test makes: a listener that is stopped (SIGSTOP) with its
 * accept queue full drops every further SYN, and tcp_syn_retries=1 (the namespace's own) ends
 * the connect after about 3 s, before undici's own 10 s connect timeout. In its own mount
 * namespace, /etc/hosts says the host name dual is ::1 and 127.0.0.1.
 */
const library = new URL('../src/index.js', import.meta.url).href;
const hosts = join(tempDirectory('connect-timeout-hosts'), 'hosts');
writeFileSync(hosts, '127.0.0.1 localhost dual\n::1 localhost dual\n');

/**
 * Script lines that leave `port` an upstream whose SYNs are dropped: a listener on `host` (in a
 * child, `stuck`, stopped with SIGSTOP) whose accept queue (backlog 1) the two sockets in `held` fill.
 */
const stuckUpstream = (host: string) => `
const stuck = spawn(process.execPath, ['-e', "require('net').createServer().listen({ port: 0, host: '${host}', backlog: 1 }, function () { console.log(this.address().port) })"], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = Number(String((await once(stuck.stdout, 'data'))[0]).trim());
process.kill(stuck.pid, 'SIGSTOP');
const held = [];
for (let i = 0; i < 2; i++) {
  const socket = net.connect(port, '127.0.0.1');
  held.push(socket);
  await once(socket, 'connect');
}
`;

const script = `
import net from 'node:net';
import http2 from 'node:http2';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
const { startServer } = await import(${JSON.stringify(library)});
${stuckUpstream('::')}const server = await startServer();
const upstream = '127.0.0.1:' + port;
const web = await server.client.createProxy({ name: 'web', listen: '127.0.0.1:0', upstream, protocol: 'http' });
const grpc = await server.client.createProxy({ name: 'grpc', listen: '127.0.0.1:0', upstream, protocol: 'http2' });
// dual resolves to ::1 and 127.0.0.1: node tries both and fails with an AggregateError.
const dual = await server.client.createProxy({ name: 'dual', listen: '127.0.0.1:0', upstream: 'dual:' + port, protocol: 'http' });
const http1 = await fetch('http://' + web.listen + '/');
const result = { http: { status: http1.status, body: await http1.text() } };
const both = await fetch('http://' + dual.listen + '/');
result.dual = { status: both.status, body: await both.text() };
// A tcp proxy to dual where nothing listens (port 9 in a fresh namespace): both connects refused.
const failed = new Promise((resolve) => server.engine.events.on((event) => { if (event.type === 'connection.failed') resolve(event.error); }));
const tcp = await server.client.createProxy({ name: 'tcp', listen: '127.0.0.1:0', upstream: 'dual:9' });
const [host, tcpPort] = tcp.listen.split(':');
const client = net.connect(Number(tcpPort), host);
client.on('error', () => {});
result.tcp = await failed;
client.destroy();
const session = http2.connect('http://' + grpc.listen);
const stream = session.request({ ':path': '/' });
const [headers] = await once(stream, 'response');
let body = '';
stream.setEncoding('utf8');
stream.on('data', (chunk) => (body += chunk));
await once(stream, 'end');
result.http2 = { status: headers[':status'], body };
session.close();
await server.stop();
held.forEach((socket) => socket.destroy());
process.kill(stuck.pid, 'SIGKILL');
console.log(JSON.stringify(result));
`;

test('an http or http2 upstream whose connect times out (one address or several) reads "could not connect", not "did not answer with HTTP"; a tcp proxy names each address tried', async () => {
  const run = spawnCollecting('unshare', [
    '-n',
    '-m',
    'sh',
    '-c',
    'mount --bind "$2" /etc/hosts && ip link set lo up && sysctl -qw net.ipv4.tcp_syn_retries=1 && exec "$0" --input-type=module -e "$1"',
    process.execPath,
    script,
    hosts,
  ]);
  const { code, stdout, stderr } = await run.done;
  assert.equal(
    code,
    0,
    `this test makes a network namespace (unshare -n -m, as root, with ip, sysctl and mount): ${stderr}`,
  );
  type Answer = { status: number; body: string };
  const result = JSON.parse(stdout) as Record<'http' | 'http2' | 'dual', Answer> & { tcp: string };
  // node's AggregateError has no message: the event says each connect's instead of ": nothing…".
  assert.match(
    result.tcp,
    /^connect ECONNREFUSED (::1|127\.0\.0\.1):9, connect ECONNREFUSED (::1|127\.0\.0\.1):9: nothing listens on the upstream's port; start the upstream, or point the proxy at the right one \(POST \/proxies\/tcp \{"upstream": "HOST:PORT"\}\)$/,
  );
  for (const protocol of ['http', 'http2', 'dual'] as const) {
    assert.equal(result[protocol].status, 502, protocol);
    assert.match(
      result[protocol].body,
      /^faultline: could not connect to the upstream (127\.0\.0\.1|dual):\d+ \(ETIMEDOUT\): the upstream did not answer the connect in time; check that it runs and that no firewall drops packets to it/,
      protocol,
    );
  }
});

/**
 * With the kernel's own SYN retries (6: a connect gives up after about 127 s), an http2 upstream
 * that drops SYNs held the proxy's stream that long; an http proxy's undici gives up after 10 s.
 * The http2 proxy now does too, and says why.
 */
const kernelDefaultScript = `
import net from 'node:net';
import http2 from 'node:http2';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
const { startServer } = await import(${JSON.stringify(library)});
${stuckUpstream('127.0.0.1')}const server = await startServer();
const grpc = await server.client.createProxy({ name: 'grpc', listen: '127.0.0.1:0', upstream: '127.0.0.1:' + port, protocol: 'http2' });
const started = performance.now();
const session = http2.connect('http://' + grpc.listen);
const stream = session.request({ ':path': '/' });
const answered = once(stream, 'response').then(async ([headers]) => {
  let body = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => (body += chunk));
  await once(stream, 'end');
  return { status: headers[':status'], body, seconds: (performance.now() - started) / 1000 };
});
// Past 30 s the proxy waits on the kernel: say so rather than let the test runner time out.
const result = await Promise.race([answered, new Promise((resolve) => setTimeout(() => resolve({ status: 0, body: 'no answer within 30 s' }), 30_000))]);
session.destroy();
await server.stop();
held.forEach((socket) => socket.destroy());
process.kill(stuck.pid, 'SIGKILL');
console.log(JSON.stringify(result));
process.exit(0);
`;

test('an http2 upstream that drops SYNs is given up after 10 s, as an http one is, not after the kernel’s 127 s', async () => {
  const run = spawnCollecting('unshare', [
    '-n',
    'sh',
    '-c',
    'ip link set lo up && sysctl -qw net.ipv4.tcp_syn_retries=6 && exec "$0" --input-type=module -e "$1"',
    process.execPath,
    kernelDefaultScript,
  ]);
  const { code, stdout, stderr } = await run.done;
  assert.equal(
    code,
    0,
    `this test makes a network namespace (unshare -n, as root, with ip and sysctl): ${stderr}`,
  );
  const result = JSON.parse(stdout) as { status: number; body: string; seconds: number };
  assert.equal(result.status, 502, result.body);
  assert.match(
    result.body,
    /^faultline: could not connect to the upstream 127\.0\.0\.1:\d+ \(ETIMEDOUT\): the upstream did not answer the connect in time/,
  );
  assert.ok(result.seconds >= 9, `gave up after ${result.seconds.toFixed(1)} s, before its 10 s`);
});
