import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultlineError } from '../src/model/errors.js';
import {
  parseTlsOrigination,
  parseTlsTermination,
  REDACTED_KEY,
  sameOrigination,
  sameTermination,
  showOrigination,
  showTermination,
} from '../src/model/tls-spec.js';

const where = 'proxy "p"';

function refused(parse: () => unknown, message: string) {
  assert.throws(parse, (error: unknown) => {
    assert.ok(error instanceof FaultlineError);
    assert.equal(error.code, 'FAULTLINE_ERR_INVALID_FIELD');
    assert.equal(error.message, message);
    return true;
  });
}

test('tls: not an object, or a misspelt key, is named with the accepted keys', () => {
  assert.throws(() => parseTlsTermination(true, where), {
    code: 'FAULTLINE_ERR_INVALID_FIELD',
    reason: 'invalid value in tls of proxy "p"',
    hint: 'expected an object with keys cert, key, auto, client_ca, received true',
  });
  assert.throws(() => parseTlsTermination({ auto: true, clientca: 'PEM' }, where), {
    code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
    reason: 'unknown field "clientca" in tls of proxy "p"',
    hint: 'accepted keys: cert, key, auto, client_ca; did you mean "client_ca"?',
  });
  assert.throws(() => parseTlsOrigination({ insecur: true }, where), {
    code: 'FAULTLINE_ERR_UNKNOWN_FIELD',
    reason: 'unknown field "insecur" in upstream_tls of proxy "p"',
    hint: 'accepted keys: servername, ca, cert, key, insecure; did you mean "insecure"?',
  });
});

test('tls: each field is checked with a message that names it', () => {
  refused(
    () => parseTlsTermination({ cert: 1 }, where),
    'invalid cert in tls of proxy "p": tls.cert must be PEM text (-----BEGIN ...), received 1',
  );
  refused(
    () => parseTlsTermination({ key: '' }, where),
    'invalid key in tls of proxy "p": tls.key is empty, received ""',
  );
  refused(
    () => parseTlsTermination({ cert: 'x'.repeat(256 * 1024 + 1) }, where),
    `invalid cert in tls of proxy "p": tls.cert is over 256 KiB; give the certificate chain only, received "${'x'.repeat(76)}...`,
  );
  assert.deepEqual(parseTlsTermination({ cert: 'x'.repeat(256 * 1024), key: 'K' }, where), {
    cert: 'x'.repeat(256 * 1024),
    key: 'K',
  });
  refused(
    () => parseTlsTermination({ auto: 'yes' }, where),
    'invalid auto in tls of proxy "p": tls.auto must be true or false, received "yes"',
  );
  refused(
    () => parseTlsTermination({ key: 'K' }, where),
    `invalid tls in proxy "p": tls.cert is missing; give cert and key as PEM, or auto: true for a certificate from faultline's local CA`,
  );
  refused(
    () => parseTlsTermination({ cert: 'C' }, where),
    `invalid tls in proxy "p": tls.key is missing; give cert and key as PEM, or auto: true for a certificate from faultline's local CA`,
  );
  refused(
    () => parseTlsTermination({ cert: 'C', auto: true }, where),
    'invalid tls in proxy "p": give either auto: true or cert and key, not both',
  );
  refused(
    () => parseTlsTermination({ key: 'K', auto: true }, where),
    'invalid tls in proxy "p": give either auto: true or cert and key, not both',
  );
  assert.deepEqual(parseTlsTermination({ auto: false, cert: 'C', key: 'K' }, where), { cert: 'C', key: 'K' });
});

test('tls.client_ca: PEM text kept with either way of presenting a certificate, checked by name', () => {
  assert.deepEqual(parseTlsTermination({ auto: true, client_ca: 'A' }, where), {
    auto: true,
    client_ca: 'A',
  });
  assert.deepEqual(parseTlsTermination({ cert: 'C', key: 'K', client_ca: 'A' }, where), {
    cert: 'C',
    key: 'K',
    client_ca: 'A',
  });
  refused(
    () => parseTlsTermination({ auto: true, client_ca: 3 }, where),
    'invalid client_ca in tls of proxy "p": tls.client_ca must be PEM text (-----BEGIN ...), received 3',
  );
  refused(
    () => parseTlsTermination({ auto: true, client_ca: '' }, where),
    'invalid client_ca in tls of proxy "p": tls.client_ca is empty, received ""',
  );
  refused(
    () => parseTlsTermination({ client_ca: 'A' }, where),
    `invalid tls in proxy "p": tls.cert is missing; give cert and key as PEM, or auto: true for a certificate from faultline's local CA`,
  );
});

test('upstream_tls: servername, PEM fields, a half client pair and insecure with a CA are refused by name', () => {
  const hostName = 'upstream_tls.servername must be a host name (letters, digits, . and -)';
  for (const [value, shown] of [
    ['a b', '"a b"'],
    ['', '""'],
    ['-x y', '"-x y"'],
    [5, '5'],
  ] as const)
    refused(
      () => parseTlsOrigination({ servername: value }, where),
      `invalid servername in upstream_tls of proxy "p": ${hostName}, received ${shown}`,
    );
  refused(
    () => parseTlsOrigination({ servername: 'x'.repeat(254) }, where),
    `invalid servername in upstream_tls of proxy "p": ${hostName}, received "${'x'.repeat(76)}...`,
  );
  assert.deepEqual(parseTlsOrigination({ servername: 'x'.repeat(253) }, where).servername?.length, 253);
  assert.deepEqual(parseTlsOrigination({ servername: 'db-1.internal' }, where), {
    servername: 'db-1.internal',
  });
  for (const field of ['ca', 'cert', 'key'])
    refused(
      () => parseTlsOrigination({ [field]: 2 }, where),
      `invalid ${field} in upstream_tls of proxy "p": upstream_tls.${field} must be PEM text (-----BEGIN ...), received 2`,
    );
  for (const half of [{ cert: 'C' }, { key: 'K' }])
    refused(
      () => parseTlsOrigination(half, where),
      'invalid upstream_tls in proxy "p": a client certificate needs both upstream_tls.cert and upstream_tls.key',
    );
  assert.deepEqual(parseTlsOrigination({ cert: 'C', key: 'K' }, where), { cert: 'C', key: 'K' });
  refused(
    () => parseTlsOrigination({ insecure: true, ca: 'X' }, where),
    'invalid upstream_tls in proxy "p": insecure: true skips verification, so ca would be ignored; give one of them',
  );
  assert.deepEqual(parseTlsOrigination({ insecure: true }, where), { insecure: true });
  refused(
    () => parseTlsOrigination({ insecure: 'yes' }, where),
    'invalid insecure in upstream_tls of proxy "p": upstream_tls.insecure must be true or false, received "yes"',
  );
  assert.deepEqual(parseTlsOrigination({ insecure: false, ca: 'X' }, where), { insecure: false, ca: 'X' });
});

test('keys are shown redacted, and settings compare as they are shown', () => {
  assert.equal(REDACTED_KEY, '[redacted]');
  assert.deepEqual(showTermination({ auto: true }), { auto: true });
  assert.deepEqual(showTermination({ cert: 'C', key: 'K' }), { cert: 'C', key: '[redacted]' });
  assert.deepEqual(showTermination({ auto: true, client_ca: 'A' }), { auto: true, client_ca: 'A' });
  assert.deepEqual(showTermination({ cert: 'C', key: 'K', client_ca: 'A' }), {
    cert: 'C',
    key: '[redacted]',
    client_ca: 'A',
  });
  assert.equal(sameTermination({ auto: true, client_ca: 'A' }, { auto: true, client_ca: 'B' }), false);
  assert.equal(sameTermination({ auto: true, client_ca: 'A' }, { auto: true }), false);
  assert.equal(
    sameTermination(
      { cert: 'C', key: '[redacted]', client_ca: 'A' },
      { cert: 'C', key: 'K', client_ca: 'A' },
    ),
    true,
  );
  assert.deepEqual(showOrigination({ ca: 'A' }), { ca: 'A' });
  assert.deepEqual(showOrigination({ cert: 'C', key: 'K' }), { cert: 'C', key: '[redacted]' });
  assert.equal(sameTermination({ cert: 'C', key: '[redacted]' }, { cert: 'C', key: 'K' }), true);
  assert.equal(sameTermination({ cert: 'D', key: 'K' }, { cert: 'C', key: 'K' }), false);
  assert.equal(sameTermination({ auto: true }, { auto: true }), true);
  assert.equal(sameTermination({ auto: true }, undefined), false);
  assert.equal(sameTermination(undefined, undefined), true);
  assert.equal(sameOrigination({ cert: 'C', key: '[redacted]' }, { cert: 'C', key: 'K' }), true);
  assert.equal(sameOrigination({ ca: 'A' }, { ca: 'B' }), false);
  assert.equal(sameOrigination(undefined, { insecure: true }), false);
});
