import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { browserScript } from '../src/browser/bundle.js';
import { arm } from '../src/inject/apply.js';
import { createHttpFaults } from '../src/inject/http-middleware.js';
import { installFetchFaults } from '../src/inject/outbound.js';
import { startHttpApp } from './helpers.js';

/** The raw bytes of an answer, so a body the server sends after a 205 cannot hide. */
function rawAnswer(origin: string, path: string): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${origin}${path}`, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, head: JSON.stringify(response.headers), body }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('an injected 204, 205 or 304 answers as one from the network does: no body', () => {
  test('fetch resolves to the status with a null body, where it rejected with a TypeError', async () => {
    for (const status of [204, 205, 304]) {
      const undo = installFetchFaults(arm([{ url: '/empty', status }], ['status'], 'fetch fault'));
      try {
        const response = await fetch('http://127.0.0.1:9/empty');
        assert.deepEqual([response.status, response.body, await response.text()], [status, null, '']);
      } finally {
        undo();
      }
    }
  });

  test('an HTTP server fault sends no body: 205 says its length is 0 (Node frames one otherwise), 204 and 304 have none', async () => {
    for (const status of [204, 205, 304]) {
      const faults = createHttpFaults({ enabled: true, faults: [{ status }] });
      let reached = 0;
      const { origin } = await startHttpApp(
        faults.wrap((_request, response) => {
          reached += 1;
          response.end('app');
        }),
      );
      const answer = await rawAnswer(origin, '/');
      assert.equal(answer.status, status);
      assert.equal(reached, 0, 'the fault answered; the request never reached the app');
      assert.match(answer.head, /"x-faultline-fault":"injected"/);
      assert.equal(answer.body, '');
      assert.doesNotMatch(answer.head, /transfer-encoding|"content-type"/);
      if (status === 205) assert.match(answer.head, /"content-length":"0"/);
      else assert.doesNotMatch(answer.head, /content-length/);
    }
  });

  test('a body with a status that never carries one is refused, saying why, everywhere', () => {
    for (const status of [204, 205, 304]) {
      const why = new RegExp(
        `a ${status} answer has no body \\(RFC 9110\\), so the app would never see "body"; leave body out, or use a status that carries one`,
      );
      assert.throws(() => arm([{ status, body: 'x' }], ['status'], 'fetch fault'), why);
      assert.throws(() => createHttpFaults({ enabled: true, faults: [{ status, body: 'x' }] }), why);
      assert.throws(() => browserScript([{ status, body: 'x' }]), why);
    }
  });

  test('a 1xx is refused: it is an interim answer, never the last one, and fetch cannot make it', () => {
    for (const status of [100, 101, 103, 199]) {
      const why =
        /invalid status in .*: expected a final status, 200 to 599 \(a 1xx is an interim answer: fetch, XHR and HTTP clients never hand one to the app\), received 1\d\d/;
      assert.throws(() => arm([{ status }], ['status'], 'fetch fault'), why);
      assert.throws(() => createHttpFaults({ enabled: true, faults: [{ status }] }), why);
      assert.throws(() => browserScript([{ status }]), why);
    }
    assert.equal(arm([{ status: 200 }], ['status'], 'fetch fault').length, 1);
  });
});
