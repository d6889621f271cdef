import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectFailure } from '../src/proxy/connect-failure.js';
import { upstreamFailure } from '../src/proxy/http/report.js';
import type { ProxyView } from '../src/proxy/proxy-view.js';
import { socketErrorMessage } from '../src/proxy/socket-error-words.js';
import { datagramFailure } from '../src/proxy/udp/datagram-failure.js';

/**
 * The same socket error reads the same on a tcp proxy (connection.failed), a udp proxy (a flow's
 * failure) and an http proxy (the 502 and http.upstream_failed): one meaning, one thing to do.
 */
const failure = (code: string, message = `connect ${code} 10.0.0.1:80`) =>
  Object.assign(new Error(message), { code });

const httpProxy = { name: 'api', upstream: '10.0.0.1:80', protocol: 'http' } as unknown as ProxyView;
const move = 'point the proxy at the right one (POST /proxies/api {"upstream": "HOST:PORT"})';

test('an upstream whose port nothing listens on: the same words on tcp, udp and http', () => {
  const meaning = "nothing listens on the upstream's port";
  assert.equal(
    connectFailure(failure('ECONNREFUSED'), 'api'),
    `connect ECONNREFUSED 10.0.0.1:80: ${meaning}; start the upstream, or ${move}`,
  );
  assert.equal(
    datagramFailure(failure('ECONNREFUSED', 'recvmsg ECONNREFUSED'), '10.0.0.1:53', '10.0.0.1'),
    `${meaning} (ICMP port unreachable, ECONNREFUSED); the flow keeps sending, as UDP does; start the upstream`,
  );
  assert.equal(
    upstreamFailure(httpProxy, failure('ECONNREFUSED')),
    `faultline: could not connect to the upstream 10.0.0.1:80 (ECONNREFUSED): ${meaning}; start the upstream, or ${move}`,
  );
});

test('an unreachable host, and a network with no route: told apart, alike on every proxy', () => {
  const cases: Array<[code: string, meaning: string, icmp: string]> = [
    ['EHOSTUNREACH', "the upstream's host cannot be reached", 'host unreachable'],
    ['EHOSTDOWN', "the upstream's host cannot be reached", 'host unreachable'],
    ['ENETUNREACH', "there is no route from here to the upstream's network", 'network unreachable'],
  ];
  for (const [code, meaning, icmp] of cases) {
    assert.match(
      connectFailure(failure(code), 'api'),
      new RegExp(`^connect ${code} 10\\.0\\.0\\.1:80: ${meaning}; check `),
    );
    assert.match(
      datagramFailure(failure(code, `recvmsg ${code}`), 'db.test:53', '10.0.0.5'),
      new RegExp(
        `^${meaning} \\(ICMP ${icmp}, ${code}, at 10\\.0\\.0\\.5, where db\\.test resolved\\); the flow keeps sending, as UDP does; check `,
      ),
    );
    assert.match(
      upstreamFailure(httpProxy, failure(code)),
      new RegExp(
        `^faultline: could not connect to the upstream 10\\.0\\.0\\.1:80 \\(${code}\\): ${meaning}; check `,
      ),
    );
  }
});

test('an http upstream that failed while connecting says what it means, not that it did not answer with HTTP', () => {
  const cases: Array<[code: string, meaning: RegExp]> = [
    [
      'ENOTFOUND',
      /\(ENOTFOUND\): the upstream's host name does not resolve here; check its spelling and this host's DNS, or point the proxy/,
    ],
    ['ENODATA', /\(ENODATA\): the upstream's host name does not resolve here/],
    [
      'EAI_AGAIN',
      /\(EAI_AGAIN\): looking up the upstream's host name failed for now \(no DNS server answered\); check this host's DNS$/,
    ],
    ['EADDRNOTAVAIL', /\(EADDRNOTAVAIL\): this host has no local address or port left to connect from/],
    [
      'UND_ERR_CONNECT_TIMEOUT',
      /\(UND_ERR_CONNECT_TIMEOUT\): the upstream did not answer the connect in time; check that it runs/,
    ],
  ];
  for (const [code, meaning] of cases) {
    const text = upstreamFailure(httpProxy, failure(code));
    assert.ok(text.startsWith(`faultline: could not connect to the upstream 10.0.0.1:80 (${code}): `), text);
    assert.match(text, meaning);
  }
  // A reset or a timeout may come after the request went out: the upstream may have had it.
  for (const code of ['ECONNRESET', 'ETIMEDOUT'])
    assert.equal(
      upstreamFailure(httpProxy, failure(code, 'read ' + code)),
      `faultline: the upstream 10.0.0.1:80 did not answer with HTTP (${code}: read ${code})`,
    );
});

test('a timeout or a reset in the connect (node says syscall connect) is a connect failure; on an open connection it is not', () => {
  const inSyscall = (code: string, syscall: string) =>
    Object.assign(new Error(`${syscall} ${code} 10.0.0.1:80`), { code, syscall });
  assert.equal(
    upstreamFailure(httpProxy, inSyscall('ETIMEDOUT', 'connect')),
    'faultline: could not connect to the upstream 10.0.0.1:80 (ETIMEDOUT): the upstream did not answer the connect in time; check that it runs and that no firewall drops packets to it',
  );
  assert.equal(
    upstreamFailure(httpProxy, inSyscall('ECONNRESET', 'connect')),
    'faultline: could not connect to the upstream 10.0.0.1:80 (ECONNRESET): the upstream reset the connection as it opened; check what listens there',
  );
  // http2: the stream is cancelled, and the session's connect error is its cause.
  const cancelled = Object.assign(new Error('The pending stream has been canceled'), {
    code: 'ERR_HTTP2_STREAM_CANCEL',
    cause: inSyscall('ETIMEDOUT', 'connect'),
  });
  assert.match(
    upstreamFailure(httpProxy, cancelled),
    /^faultline: could not connect to the upstream 10\.0\.0\.1:80 \(ETIMEDOUT\): /,
  );
  for (const code of ['ETIMEDOUT', 'ECONNRESET'])
    assert.equal(
      upstreamFailure(httpProxy, inSyscall(code, 'read')),
      `faultline: the upstream 10.0.0.1:80 did not answer with HTTP (${code}: read ${code} 10.0.0.1:80)`,
    );
  // A host name with an IPv6 and an IPv4 address: node's AggregateError has the code, no syscall
  // and no message; each of its errors ended a connect.
  const bothTimedOut = Object.assign(
    new AggregateError([inSyscall('ETIMEDOUT', 'connect'), inSyscall('ETIMEDOUT', 'connect')], ''),
    {
      code: 'ETIMEDOUT',
    },
  );
  assert.match(
    upstreamFailure(httpProxy, bothTimedOut),
    /^faultline: could not connect to the upstream 10\.0\.0\.1:80 \(ETIMEDOUT\): /,
  );
  // A code the table does not know stays node's words, whatever the system call.
  assert.equal(
    upstreamFailure(httpProxy, inSyscall('EPROTO', 'connect')),
    'faultline: the upstream 10.0.0.1:80 did not answer with HTTP (EPROTO: connect EPROTO 10.0.0.1:80)',
  );
});

test("a host name with several addresses: node's AggregateError has no message, so each connect's is said", () => {
  const refused = (address: string) =>
    Object.assign(new Error(`connect ECONNREFUSED ${address}:80`), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
    });
  const aggregate = (code: string, errors: Error[]) =>
    Object.assign(new AggregateError(errors, ''), { code });
  assert.equal(
    connectFailure(aggregate('ECONNREFUSED', [refused('::1'), refused('127.0.0.1')]), 'api'),
    `connect ECONNREFUSED ::1:80, connect ECONNREFUSED 127.0.0.1:80: nothing listens on the upstream's port; start the upstream, or ${move}`,
  );
  const odd = (address: string) =>
    Object.assign(new Error(`connect EPROTO ${address}:80`), { code: 'EPROTO' });
  assert.equal(
    upstreamFailure(httpProxy, aggregate('EPROTO', [odd('::1'), odd('127.0.0.1')])),
    'faultline: the upstream 10.0.0.1:80 did not answer with HTTP (EPROTO: connect EPROTO ::1:80, connect EPROTO 127.0.0.1:80)',
  );
  assert.equal(connectFailure(aggregate('EPROTO', []), 'api'), 'EPROTO');
});

test('a firewall that will not let this host send: said on tcp as on udp', () => {
  for (const code of ['EACCES', 'EPERM']) {
    const meaning = 'this host refused to send to the upstream \\(a firewall rule, or a broadcast address\\)';
    assert.match(
      connectFailure(failure(code), 'api'),
      new RegExp(`^connect ${code} 10\\.0\\.0\\.1:80: ${meaning}; check this host's firewall`),
    );
    assert.match(
      datagramFailure(failure(code, `send ${code}`), '10.0.0.1:53', '10.0.0.1'),
      new RegExp(`^${meaning} \\(${code}\\); the flow keeps sending`),
    );
  }
});

test("a code the table does not know keeps node's message, on every proxy", () => {
  assert.equal(connectFailure(failure('EPROTO', 'something else'), 'api'), 'something else');
  assert.equal(
    datagramFailure(failure('EPROTO', 'something else'), '10.0.0.1:53', '10.0.0.1'),
    "the flow's socket to the upstream failed (something else); the flow keeps sending, as UDP does",
  );
  assert.equal(
    upstreamFailure(httpProxy, failure('EPROTO', 'something else')),
    'faultline: the upstream 10.0.0.1:80 did not answer with HTTP (EPROTO: something else)',
  );
  assert.equal(
    datagramFailure(failure('EMSGSIZE', 'send EMSGSIZE'), 'db.test:53', '10.0.0.5'),
    'a datagram was too large for the path to the upstream and was not sent (EMSGSIZE, at 10.0.0.5, where db.test resolved); the flow keeps sending, as UDP does',
  );
});

test("an error without a message says its errors' messages, skipping those without one, or else its code", () => {
  const aggregate = (errors: unknown[]) => Object.assign(new Error(''), { code: 'ECONNREFUSED', errors });
  assert.equal(
    socketErrorMessage(aggregate([new Error('connect ECONNREFUSED ::1:9'), 'not an error', new Error('')])),
    'connect ECONNREFUSED ::1:9',
  );
  assert.equal(socketErrorMessage(aggregate([])), 'ECONNREFUSED');
  assert.equal(socketErrorMessage(aggregate(['no message here'])), 'ECONNREFUSED');
  assert.equal(socketErrorMessage(Object.assign(new Error(''), { code: 'ETIMEDOUT' })), 'ETIMEDOUT');
  assert.equal(
    socketErrorMessage(new Error('connect ETIMEDOUT 10.0.0.1:80')),
    'connect ETIMEDOUT 10.0.0.1:80',
  );
});
