import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sparkline } from '../src/experiment/report/series.js';

test('a sparkline runs from the lower of 0 and the minimum to the maximum', () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([1, 1, 1]), '███');
  assert.equal(sparkline([0, 0]), '▁▁');
  assert.equal(sparkline([-2, 2]), '▁█');
  assert.equal(sparkline([]), '');
});

test('a long series is cut into 60 buckets drawn at their minimum, so a one-point dip still shows', () => {
  const values = Array.from({ length: 600 }, (_, index) => (index === 301 ? 0 : 1));
  assert.equal(sparkline(values), `${'█'.repeat(30)}▁${'█'.repeat(29)}`);
});
