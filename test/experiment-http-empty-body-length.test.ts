import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startHttpApp } from './helpers.js';
import { experiment, run } from './experiment-helpers.js';

/**
 * The Content-Length header each probe's request arrived with (undefined: none), as the raw
 * headers the server read show it. The server answers it in a header, so a HEAD request says too.
 */
async function lengthsSent(providers: object[]): Promise<Array<string | undefined>> {
  const { origin } = await startHttpApp((request, response) => {
    const raw = request.rawHeaders;
    const index = raw.findIndex((name, at) => at % 2 === 0 && name.toLowerCase() === 'content-length');
    response.setHeader('X-Content-Length', index < 0 ? 'none' : raw[index + 1]!);
    request.resume();
    request.on('end', () => response.end('ok'));
  });
  const journal = await run(
    experiment({
      method: providers.map((provider, index) => ({
        type: 'probe',
        name: `p${index}`,
        provider: { type: 'http', url: `${origin}/`, ...provider },
      })),
    }),
  );
  return journal.run.map((entry) => {
    const length = (entry.output as { headers: Record<string, string> }).headers['X-Content-Length'];
    return length === 'none' ? undefined : length;
  });
}

describe('a bodiless HTTP activity says Content-Length: 0 as requests does, or not, as requests does not', () => {
  test('every method but GET and HEAD sends Content-Length: 0 without a body', async () => {
    const methods = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PURGE'];
    const lengths = await lengthsSent(methods.map((method) => ({ method })));
    assert.deepEqual(
      Object.fromEntries(methods.map((method, index) => [method, lengths[index]])),
      Object.fromEntries(methods.map((method) => [method, '0'])),
    );
  });

  test('empty arguments send no body, so Content-Length: 0 too; GET and HEAD send no length', async () => {
    const lengths = await lengthsSent([
      { method: 'DELETE', arguments: {} },
      { method: 'get' },
      { method: 'HEAD' },
    ]);
    assert.deepEqual(lengths, ['0', undefined, undefined]);
  });

  test('a body keeps its own length, whatever the method', async () => {
    const lengths = await lengthsSent([
      { method: 'DELETE', arguments: { id: 'a' } },
      { method: 'OPTIONS', arguments: { id: 'a' }, headers: { 'Content-Type': 'application/json' } },
    ]);
    assert.deepEqual(lengths, ['4', '11']);
  });
});
