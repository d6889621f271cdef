import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createHttpFaults } from '../src/inject/index.js';
import { startHttpApp } from './helpers.js';

/**
 * An HTTP server's error fault is the app failing with that error: it answers 500, as Express's,
 * Koa's and Fastify's default handlers answer an error that carries no status, with the error's
 * message as a text body (or the fault's `body`). What the client never sees is refused, and the
 * fault says what it answers.
 */
describe('an HTTP server error fault answers 500 with its message, and says so', () => {
  test('500, with the message as its text body', async () => {
    const faults = createHttpFaults({
      enabled: true,
      faults: [
        { url: '^/a', error: 'database down' },
        { url: '^/b', error: new Error('boom') },
      ],
    });
    const { origin } = await startHttpApp(faults.wrap((_request, response) => response.end('ok')));
    for (const [path, body] of [
      ['/a', 'database down'],
      ['/b', 'boom'],
    ] as const) {
      const response = await fetch(`${origin}${path}`);
      assert.equal(response.status, 500);
      assert.equal(response.headers.get('x-faultline-fault'), 'injected');
      assert.equal(await response.text(), body);
    }
    assert.deepEqual(
      faults.list().map((fault) => fault.error),
      ['database down', { message: 'boom', name: 'Error' }],
    );
  });

  test('the admin route explains it as the 500 the client gets, not as a thrown error', async () => {
    const token = 'a-token-of-16-chars-or-more';
    const faults = createHttpFaults({
      enabled: true,
      faults: [{ url: '^/a', error: 'database down', everyNth: 2 }],
      admin: { token },
    });
    const { origin } = await startHttpApp(faults.wrap((_request, response) => response.end('ok')));
    const listed = (await (
      await fetch(`${origin}/__faultline/faults`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { faults: { explanation: string }[] };
    assert.equal(
      listed.faults[0]?.explanation,
      'answers requests whose URL matches "^/a" with 500 and the body "database down", on every 2nd request',
    );
  });

  test("an error's name or code, which the client would never see, is refused", () => {
    assert.throws(
      () =>
        createHttpFaults({
          enabled: true,
          faults: [{ error: { message: 'db down', name: 'DbError', code: 'ECONNREFUSED' } }],
        }),
      {
        message:
          /fault 1: an HTTP server's error fault answers 500 with the message "db down" as its body; "name" \(DbError\) and "code" \(ECONNREFUSED\) never reach the client: drop them, or answer with "status" and "body"/,
      },
    );
    assert.throws(
      () =>
        createHttpFaults({
          enabled: true,
          faults: [{ error: Object.assign(new Error('gone'), { code: 'ENOENT' }) as never }],
        }),
      { message: /"code" \(ENOENT\) never reaches the client/ },
    );
  });
});
