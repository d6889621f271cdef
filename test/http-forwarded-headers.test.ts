import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forwardedHeaders } from '../src/proxy/http/forwarded-response.js';
import { namedByConnection } from '../src/proxy/http/hop-headers.js';

/** undici's raw list: names and values as Buffers, in the order the upstream sent them. */
const raw = (...fields: string[]) => fields.map((field) => Buffer.from(field, 'latin1'));

describe('namedByConnection', () => {
  it('names nothing for no header, an empty one, or one hop-by-hop token in any case and spacing', () => {
    for (const value of [undefined, '', '  ', 'keep-alive', ' Keep-Alive ', 'TE', 'upgrade'])
      assert.deepEqual(namedByConnection(value), [], JSON.stringify(value));
  });

  it('names a single other token, lower-cased and trimmed (`close` too: no header has that name)', () => {
    assert.deepEqual(namedByConnection(' X-Trace '), ['x-trace']);
    assert.deepEqual(namedByConnection('Close'), ['close']);
  });

  it('names each other token of a list, in one field or several', () => {
    assert.deepEqual(namedByConnection('keep-alive, X-A ,x-b'), ['x-a', 'x-b']);
    assert.deepEqual(namedByConnection(['keep-alive', 'X-A', 'x-b, te']), ['x-a', 'x-b']);
  });
});

describe('forwardedHeaders', () => {
  it("keeps an answer's own headers in order and drops the hop-by-hop ones", () => {
    const forwarded = forwardedHeaders(
      raw(
        'Content-Type',
        'application/json',
        'Connection',
        'keep-alive',
        'Keep-Alive',
        'timeout=5',
        'Content-Length',
        '12',
        'Transfer-Encoding',
        'chunked',
      ),
      undefined,
    );
    assert.deepEqual(forwarded, {
      headers: ['Content-Type', 'application/json', 'Content-Length', '12'],
      trailer: undefined,
      hasLength: true,
    });
  });

  it('drops the headers Connection names, and tells a chunked answer has no length', () => {
    const forwarded = forwardedHeaders(
      raw('X-Trace', 'a', 'Connection', 'X-Trace, close', 'X-Other', 'b'),
      undefined,
    );
    assert.deepEqual(forwarded, { headers: ['X-Other', 'b'], trailer: undefined, hasLength: false });
  });

  it('drops the headers each of several Connection fields names', () => {
    const forwarded = forwardedHeaders(
      raw('X-A', '1', 'Connection', 'x-a', 'X-B', '2', 'connection', 'X-B', 'X-C', '3'),
      undefined,
    );
    assert.deepEqual(forwarded, { headers: ['X-C', '3'], trailer: undefined, hasLength: false });
  });

  it('holds the first Trailer header apart, as it goes only with a chunked answer', () => {
    const forwarded = forwardedHeaders(raw('Trailer', 'x-sum', 'trailer', 'x-other', 'A', '1'), undefined);
    assert.deepEqual(forwarded, { headers: ['A', '1'], trailer: 'x-sum', hasLength: false });
  });

  it("applies a plan's edits: replaced and removed headers leave, set ones come last", () => {
    const forwarded = forwardedHeaders(raw('Server', 'up', 'X-Drop', '1', 'Content-Length', '3'), {
      server: 'faultline',
      'x-drop': null,
    });
    assert.deepEqual(forwarded, {
      headers: ['Content-Length', '3', 'server', 'faultline'],
      trailer: undefined,
      hasLength: true,
    });
  });

  it('tells a length the edits set', () => {
    assert.equal(forwardedHeaders(raw('A', '1'), { 'content-length': '5' }).hasLength, true);
  });
});
