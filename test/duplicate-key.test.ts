import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstDuplicateKey, jsonDuplicateKey } from '../src/model/json-duplicate-key.js';

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

test('a closed object or array hands the scan back to the object around it', () => {
  assert.equal(firstDuplicateKey('{"a":{"b":1},"b":2}'), undefined, 'an inner key is not the outer one');
  assert.equal(firstDuplicateKey('{"x":[1],"y":2,"x":3}'), 'x', 'keys after an array still count');
  assert.equal(firstDuplicateKey('{"x":{"z":[]},"y":{},"x":3}'), 'x');
});

test('an escaped quote inside a key is part of the key, not its end', () => {
  assert.equal(firstDuplicateKey('{"a\\"b":1,"a\\"b":2}'), 'a"b');
  assert.equal(firstDuplicateKey('{"a\\\\":1,"a\\\\":2}'), 'a\\');
});

test('jsonDuplicateKey words a JSON duplicate as a YAML one is worded, with the line of its first writing', () => {
  assert.equal(
    jsonDuplicateKey('{"title": "t",\n "description": "d",\n "title": "u"}'),
    "duplicate key 'title' (first written at line 1)",
  );
  assert.equal(
    jsonDuplicateKey('[\n {"a": 1},\n {"b": {\n  "c": 1,\n  "c": 2}}]'),
    "duplicate key 'c' (first written at line 4)",
  );
  assert.equal(jsonDuplicateKey('{"a": {"a": 1}, "b": "a"}'), undefined);
});
