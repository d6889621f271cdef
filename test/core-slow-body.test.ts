import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import { slowDown } from '../src/inject/slow-body.js';

/** A response in memory: each write and the end, as the socket would see them. */
function response() {
  const seen: string[] = [];
  const headers = new Set(['Content-Length']);
  let ended = () => {};
  const own = {
    seen,
    ended: new Promise<void>((resolve) => (ended = resolve)),
    headers,
    removeHeader: (name: string) => void headers.delete(name),
    /** No client goes away here: 'close' never comes. */
    once: () => own,
    write(chunk: Buffer | string) {
      seen.push(`write ${String(chunk)}`);
      return true;
    },
    end(chunk?: Buffer | string) {
      seen.push(`end ${chunk === undefined ? '' : String(chunk)}`);
      ended();
      return own;
    },
  };
  return own;
}

describe('a slow body', () => {
  test('queues what the handler writes; a release sends it all at once and writes go straight again', () => {
    const sent = response();
    const { write, end } = sent;
    const release = new AbortController();
    slowDown(sent as unknown as ServerResponse, 1, release.signal);
    assert.deepEqual([...sent.headers], [], 'the length is dropped: the body goes out in pieces');
    sent.write('hello ');
    sent.write(Buffer.from('world'));
    assert.deepEqual(sent.seen, [], 'nothing goes out before the first tenth of a second');
    release.abort();
    assert.deepEqual(sent.seen, ['write hello world']);
    assert.deepEqual([sent.write, sent.end], [write, end], "the response's own write and end are back");
    sent.end('!');
    assert.deepEqual(sent.seen, ['write hello world', 'end !']);
  });

  test('a release after end() ends the response with what was queued', () => {
    const sent = response();
    const release = new AbortController();
    slowDown(sent as unknown as ServerResponse, 1, release.signal);
    sent.end('bye');
    assert.deepEqual(sent.seen, []);
    release.abort();
    assert.deepEqual(sent.seen, ['end bye']);
  });

  test('a release with nothing queued writes nothing', () => {
    const sent = response();
    const release = new AbortController();
    slowDown(sent as unknown as ServerResponse, 1, release.signal);
    release.abort();
    assert.deepEqual(sent.seen, []);
  });

  test('already released: the response is not slowed at all', () => {
    const sent = response();
    const { write } = sent;
    const release = new AbortController();
    release.abort();
    slowDown(sent as unknown as ServerResponse, 1, release.signal);
    assert.equal(sent.write, write);
    assert.deepEqual([...sent.headers], ['Content-Length']);
  });

  test('the last piece ends the response and stops listening for a release', async () => {
    const sent = response();
    const release = new AbortController();
    slowDown(sent as unknown as ServerResponse, 1000, release.signal);
    sent.end('ab');
    await sent.ended;
    release.abort();
    assert.deepEqual(sent.seen, ['end ab']);
  });
});
