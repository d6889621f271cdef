import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressHistory, addressSeries, type StreamBytes } from '../src/proxy/address-bytes.js';

const bytes = (up: number, down: number): StreamBytes => ({
  upstream: { received: up, sent: up },
  downstream: { received: down, sent: down },
});

test('a proxy never moved has one series: its addresses with every byte', () => {
  const total = bytes(5, 7);
  assert.deepEqual(addressSeries('l:1', 'u:1', total, new AddressHistory().list()), [
    { listen: 'l:1', upstream: 'u:1', bytes: bytes(5, 7) },
  ]);
});

test('moved away and back, a pair keeps adding to its own series, and the current one has the rest', () => {
  const history = new AddressHistory();
  history.retire('l:1', 'a:1', bytes(10, 20)); // 10/20 went to a
  history.retire('l:1', 'b:1', bytes(15, 26)); // then 5/6 to b
  history.retire('l:1', 'a:1', bytes(18, 30)); // back on a: 3/4 more to a
  assert.deepEqual(history.list(), [
    { listen: 'l:1', upstream: 'a:1', bytes: bytes(13, 24) },
    { listen: 'l:1', upstream: 'b:1', bytes: bytes(5, 6) },
  ]);
  assert.deepEqual(addressSeries('l:1', 'c:1', bytes(20, 31), history.list()), [
    { listen: 'l:1', upstream: 'c:1', bytes: bytes(2, 1) },
    { listen: 'l:1', upstream: 'a:1', bytes: bytes(13, 24) },
    { listen: 'l:1', upstream: 'b:1', bytes: bytes(5, 6) },
  ]);
});

test('a pair is told apart by listen address and upstream together', () => {
  const history = new AddressHistory();
  history.retire('l:1', 'a:1', bytes(1, 1));
  history.retire('l:2', 'a:1', bytes(3, 3));
  assert.deepEqual(
    history.list().map(({ listen, upstream, bytes: passed }) => [listen, upstream, passed.upstream.sent]),
    [
      ['l:1', 'a:1', 1],
      ['l:2', 'a:1', 2],
    ],
  );
});

test('list() answers the same array until a new pair is added, so stats() allocates none for it', () => {
  const history = new AddressHistory();
  const never = history.list();
  assert.equal(history.list(), never, 'a proxy never moved');
  history.retire('l:1', 'a:1', bytes(1, 1));
  const once = history.list();
  assert.notEqual(once, never);
  assert.equal(history.list(), once);
  history.retire('l:1', 'b:1', bytes(2, 2));
  history.retire('l:1', 'a:1', bytes(4, 4)); // back on a: its series grows, no pair is added
  const twice = history.list();
  assert.equal(history.list(), twice);
  assert.deepEqual(
    twice.map(({ upstream, bytes: passed }) => [upstream, passed.upstream.sent]),
    [
      ['a:1', 3],
      ['b:1', 1],
    ],
  );
  assert.deepEqual(once.length, 1, 'an earlier answer is not changed by a pair added later');
});
