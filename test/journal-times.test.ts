import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secondsBetween, timestamp } from '../src/experiment/journal.js';

test("secondsBetween is timedelta.total_seconds(): whole microseconds over 10**6, as Python's journal writes them", () => {
  // Python: (end - start).total_seconds() == 1393 / 10**6, whose repr is 0.001393.
  assert.equal(
    secondsBetween('2026-12-04T16:27:08.274204+00:00', '2026-12-04T16:27:08.275597+00:00'),
    0.001393,
  );
  assert.equal(
    secondsBetween('2026-12-04T16:30:34.698516+00:00', '2026-12-04T16:30:35.108813+00:00'),
    0.410297,
  );
  assert.equal(
    secondsBetween('2026-12-04T23:59:59.999999+00:00', '2026-12-05T00:00:01.000000+00:00'),
    1.000001,
    'across midnight',
  );
  assert.equal(JSON.stringify(secondsBetween(timestamp(1000.5), timestamp(1000.5))), '0');
});
