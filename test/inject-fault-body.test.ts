import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { browserScript } from '../src/browser/bundle.js';
import { arm } from '../src/inject/apply.js';
import { createHttpFaults } from '../src/inject/http-middleware.js';
import { wrap } from '../src/inject/wrap.js';

describe('a body is refused where it would never be sent', () => {
  test('with no status or error (a delay, an abort, a slow body), everywhere', () => {
    for (const fault of [
      { delay: 10, body: 'late' },
      { abort: true as const, body: 'gone' },
      { slowBody: 5, body: 'slow' },
    ]) {
      assert.throws(
        () => createHttpFaults({ enabled: true, faults: [fault] }),
        /body is what a status fault answers \(and an HTTP server error fault\); with no status or error it is never sent/,
      );
    }
    assert.throws(
      () => browserScript([{ delay: 10, body: 'late' }]),
      /with no status or error it is never sent/,
    );
  });

  test('with an error, where an error sends no answer: wrap, fetch, http.request, the browser', () => {
    assert.throws(() => wrap({ get: async () => 1 }, { error: 'boom', body: 'x' }, { enabled: true }), {
      code: 'FAULTLINE_ERR_INVALID_FIELD',
      message: /fault 1: "body" would never be sent: an error here fails the call with no answer/,
    });
    assert.throws(
      () => arm([{ error: 'down', body: 'x' }], ['error', 'status', 'abort'], 'fetch fault'),
      /fetch fault 1: "body" would never be sent/,
    );
    assert.throws(
      () => browserScript([{ error: 'down', body: 'x' }]),
      /browser fault 1: "body" would never be sent/,
    );
  });

  test('kept where it is the answer: a status anywhere, an HTTP server error fault', () => {
    assert.equal(
      createHttpFaults({ enabled: true, faults: [{ error: 'e', body: 'sorry' }] }).list().length,
      1,
    );
    assert.equal(arm([{ status: 503, body: 'down' }], ['status'], 'fetch fault').length, 1);
    assert.match(browserScript([{ status: 503, body: 'down' }]), /"body":"down"/);
  });
});
