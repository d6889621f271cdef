import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { silentLog } from '../src/experiment/console.js';
import { startHttpApp } from './helpers.js';
import { experiment, run } from './experiment-helpers.js';

/** An origin answering each path with the body and headers given for it, echoing Accept-Encoding in a header. */
async function origin(answers: Record<string, { headers: Record<string, string>; body: Buffer }>) {
  const app = await startHttpApp((request, response) => {
    const answer = answers[request.url ?? '']!;
    response.writeHead(200, {
      ...answer.headers,
      'x-accept-encoding': String(request.headers['accept-encoding']),
    });
    response.end(answer.body);
  });
  return app.origin;
}

async function probe(url: string, headers?: Record<string, string>, messages: string[] = []) {
  const record = (message: string) => messages.push(message);
  const journal = await run(
    experiment({
      method: [
        { type: 'probe', name: 'p', provider: { type: 'http', url, ...(headers ? { headers } : {}) } },
      ],
    }),
    { log: { ...silentLog, error: record, critical: record } },
  );
  return {
    journal,
    output: journal.run[0]?.output as { headers: Record<string, string>; body: unknown } | undefined,
  };
}

describe('an HTTP activity asks for and reads compressed answers, as requests does', () => {
  test('Accept-Encoding: gzip, deflate is sent unless the activity sets it; gzip and deflate bodies are read as text', async () => {
    const base = await origin({
      '/gzip': {
        headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Encoding': 'gzip' },
        body: gzipSync('héllo'),
      },
      '/deflate': {
        headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'Deflate' },
        body: deflateSync('{"a": 1}'),
      },
      '/raw': {
        headers: { 'Content-Type': 'text/plain', 'Content-Encoding': 'deflate' },
        body: deflateRawSync('raw'),
      },
      '/plain': { headers: { 'Content-Type': 'text/plain' }, body: Buffer.from('plain') },
    });
    const gzip = await probe(`${base}/gzip`);
    assert.equal(gzip.output?.headers['x-accept-encoding'], 'gzip, deflate');
    assert.equal(gzip.output?.headers['Content-Encoding'], 'gzip', 'named as the server wrote it');
    assert.equal(gzip.output?.body, 'héllo');
    assert.deepEqual((await probe(`${base}/deflate`)).output?.body, { a: 1 });
    assert.equal((await probe(`${base}/raw`)).output?.body, 'raw');
    const own = await probe(`${base}/plain`, { 'accept-encoding': 'identity' });
    assert.equal(own.output?.headers['x-accept-encoding'], 'identity');
    assert.equal(own.output?.body, 'plain');
  });

  test('a body that is not what its Content-Encoding says aborts the run, as requests ContentDecodingError does', async () => {
    const base = await origin({
      '/bad': {
        headers: { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' },
        body: Buffer.from('not gzip'),
      },
    });
    const messages: string[] = [];
    const { journal } = await probe(`${base}/bad`, undefined, messages);
    assert.equal(journal.status, 'aborted');
    assert.match(messages.join('\n'), /Content-Encoding gzip but its body cannot be decoded/);
  });
});
