import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePythonFloat } from '../src/model/python-float.js';

// What CPython 3.11's float() gives, which click's type=float (--hypothesis-frequency) uses.
test('parsePythonFloat reads what float() reads and refuses what it refuses', () => {
  const read: Array<[string, number]> = [
    ['1', 1],
    ['1.5', 1.5],
    [' 2 ', 2],
    ['1_0', 10],
    ['1e3', 1000],
    ['.5', 0.5],
    ['5.', 5],
    ['-1', -1],
    ['+2', 2],
    ['inf', Infinity],
    ['-Infinity', -Infinity],
    ['infinity', Infinity],
    ['-inf', -Infinity],
    ['+inf', Infinity],
  ];
  for (const [text, value] of read) assert.equal(parsePythonFloat(text), value, JSON.stringify(text));
  assert.ok(Number.isNaN(parsePythonFloat('NaN')));
  for (const text of ['x', '', '0x10', '1_', '_1', '1__0', '1e', '.', '1.5.2', 'Infinity1']) {
    assert.equal(parsePythonFloat(text), undefined, JSON.stringify(text));
  }
});
