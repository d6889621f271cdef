import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InFlight } from '../src/proxy/in-flight.js';

test('a count in flight: each start adds one, and its end takes it off once, however often it is called', () => {
  const requests = new InFlight();
  const first = requests.started();
  const second = requests.started();
  assert.equal(requests.now, 2);
  first();
  // A stream's close and its error may both end it.
  first();
  assert.equal(requests.now, 1);
  second();
  assert.equal(requests.now, 0);
});
