import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVar } from '../src/experiment/configuration.js';

test('--var name:json= reads what Python json.loads reads, NaN and Infinity included', () => {
  assert.deepEqual(parseVar('x:json=NaN'), ['x', Number.NaN]);
  assert.deepEqual(parseVar('x:json=[Infinity, -Infinity]'), ['x', [Infinity, -Infinity]]);
  assert.deepEqual(parseVar('x:json={"a": 1}'), ['x', { a: 1 }]);
});

test('--var name:json= with text that is not JSON names the value and says what a json value is', () => {
  assert.throws(
    () => parseVar('x:json={bad'),
    (error: Error) =>
      error.message.startsWith(`'{bad' is not JSON (`) &&
      error.message.includes('drop :json to pass the text'),
  );
});
