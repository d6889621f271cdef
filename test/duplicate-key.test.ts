import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstDuplicateKey } from '../src/server/duplicate-key.js';

test('the first key written twice in one object is found, at any depth', () => {
  assert.equal(firstDuplicateKey('{"name":"a","upstream":"x","name":"b"}'), 'name');
  assert.equal(firstDuplicateKey('[{"a":1},{"b":{"c":1,"c":2}}]'), 'c');
  assert.equal(firstDuplicateKey('{"a\\u0062":1,"ab":2}'), 'ab', 'keys compare as decoded');
});

test('equal keys in different objects, values equal to keys, and escapes are not duplicates', () => {
  for (const text of [
    '[{"name":"a"},{"name":"b"}]',
    '{"a":"a","b":["a","a"],"c":{"a":1}}',
    '{"a":{},"b":[{}],"c":"}","d":"\\"a\\":"}',
    '{"x":[1,{"x":2}],"y":{"x":3}}',
    '"just a string"',
    '[]',
  ]) {
    assert.equal(firstDuplicateKey(text), undefined, text);
  }
});
