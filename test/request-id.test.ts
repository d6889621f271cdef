import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRequestIds } from '../src/server/request-id.js';

/** base32hex back to bytes, written apart from the encoder under test. */
function decode(id: string): number[] {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  const bits = [...id].map((character) => alphabet.indexOf(character).toString(2).padStart(5, '0')).join('');
  return Array.from({ length: 12 }, (_, index) => Number.parseInt(bits.slice(index * 8, index * 8 + 8), 2));
}

describe('request ids (xid format, as Toxiproxy sends)', () => {
  test('20 base32hex characters whose first 4 bytes are the seconds, big-endian', () => {
    const ids = createRequestIds(() => 1_764_680_000_123);
    const id = ids();
    assert.match(id, /^[0-9a-v]{20}$/);
    const bytes = decode(id);
    assert.deepEqual(bytes.slice(0, 4), [0x69, 0x2e, 0xe1, 0x40]);
  });

  test('the process part stays, the counter goes up by one per id, wrapping at 3 bytes', () => {
    const ids = createRequestIds(() => 0);
    const [a, b] = [decode(ids()), decode(ids())];
    assert.deepEqual(a.slice(4, 9), b.slice(4, 9));
    const counter = (bytes: number[]) => (bytes[9]! << 16) | (bytes[10]! << 8) | bytes[11]!;
    assert.equal((counter(a) + 1) % 0x1000000, counter(b));
  });

  test('ids sort by time: a later second sorts after an earlier one', () => {
    let now = 1_000_000_000_000;
    const ids = createRequestIds(() => now);
    const earlier = ids();
    now += 1000;
    const later = ids();
    assert.ok(earlier < later, `${earlier} should sort before ${later}`);
    assert.notEqual(earlier, later);
  });
});
