import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clockTime } from '../src/model/clock-time.js';

// Node reads TZ when a date is first converted: a zone half an hour off UTC shows any slip.
process.env.TZ = 'Asia/Kolkata';

test('clockTime reads an ISO time in the local time zone, padded, with or without milliseconds', () => {
  assert.equal(clockTime('2026-12-04T03:05:09.007Z'), '08:35:09.007');
  assert.equal(clockTime('2026-12-04T03:05:09.007Z', false), '08:35:09');
  assert.equal(clockTime('2026-12-04T20:00:00.120Z'), '01:30:00.120', 'past midnight there');
});

test('clockTime gives back a text that is no time as it is', () => {
  assert.equal(clockTime('not a time'), 'not a time');
});
