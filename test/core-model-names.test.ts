import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { didYouMean } from '../src/model/closest-key.js';
import { reasonPhrase } from '../src/model/reason-phrase.js';
import { sameToxic } from '../src/model/same-toxic.js';
import type { ToxicSpec } from '../src/model/toxic.js';

test('didYouMean names the known name one typo away, with a trailing space, and nothing otherwise', () => {
  assert.equal(didYouMean('redis_cahce', ['redis_cache', 'api']), 'did you mean "redis_cache"? ');
  assert.equal(didYouMean('latncy', ['latency', 'bandwidth']), 'did you mean "latency"? ');
  assert.equal(didYouMean('zzzzzz', ['latency', 'bandwidth']), '');
  assert.equal(didYouMean('x', []), '');
  // `faultline inspect r2` on a server with a proxy "pp" said "did you mean "pp"?": two edits
  // that replace every letter are another name, not a typo of it.
  assert.equal(didYouMean('r2', ['pp', 'redis']), '');
  assert.equal(didYouMean('db', ['api']), '');
  assert.equal(didYouMean('r2', ['r1', 'pp']), 'did you mean "r1"? ');
});

test('reasonPhrase gives IANA phrases as node:http does, for every final status, and none for others', () => {
  for (let status = 100; status < 600; status++) {
    const expected = status >= 200 ? (http.STATUS_CODES[status] ?? '') : '';
    assert.equal(reasonPhrase(status), expected, `status ${status}`);
  }
});

test('sameToxic compares toxics as the API shows them', () => {
  const toxic: ToxicSpec = {
    name: 'slow',
    type: 'latency',
    stream: 'downstream',
    toxicity: 1,
    attributes: { latency: 100, jitter: 0 },
  } as ToxicSpec;
  assert.equal(sameToxic(toxic, { ...toxic, attributes: { ...toxic.attributes } } as ToxicSpec), true);
  assert.equal(sameToxic(toxic, { ...toxic, name: 'other' } as ToxicSpec), false);
  assert.equal(sameToxic(toxic, { ...toxic, type: 'timeout' } as ToxicSpec), false);
  assert.equal(sameToxic(toxic, { ...toxic, stream: 'upstream' } as ToxicSpec), false);
  assert.equal(sameToxic(toxic, { ...toxic, toxicity: 0.5 } as ToxicSpec), false);
  assert.equal(sameToxic(toxic, { ...toxic, attributes: { latency: 200, jitter: 0 } } as ToxicSpec), false);
});
