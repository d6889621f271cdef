import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultlineError } from '../src/model/errors.js';
import { HOP_BY_HOP_HEADERS } from '../src/model/hop-headers.js';
import { parseToxicCreate } from '../src/model/toxic.js';

// RFC 9110 §7.6.1, written out here rather than read from the code under test.
const rfcHopByHop = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
];

test('the hop-by-hop headers are the ones RFC 9110 names', () => {
  assert.deepEqual([...HOP_BY_HOP_HEADERS].sort(), [...rfcHopByHop].sort());
});

test('http_modify refuses to set each hop-by-hop header and expect, in either direction and any case, and takes others', () => {
  for (const name of [...rfcHopByHop, 'expect']) {
    for (const direction of ['request_headers', 'response_headers']) {
      assert.throws(
        () =>
          parseToxicCreate({
            type: 'http_modify',
            attributes: { [direction]: { [name.toUpperCase()]: 'x' } },
          }),
        (error: unknown) =>
          error instanceof FaultlineError &&
          error.code === 'FAULTLINE_ERR_INVALID_ATTRIBUTE' &&
          error.hint ===
            `${name.toUpperCase()} describes one connection, not the message, so the proxy sets it itself; accepted: any other header`,
        `${direction} ${name}`,
      );
    }
  }
  const spec = parseToxicCreate({
    type: 'http_modify',
    attributes: { response_headers: { 'x-trailer-ish': 'ok' } },
  });
  assert.deepEqual(spec.attributes.response_headers, { 'x-trailer-ish': 'ok' });
});
