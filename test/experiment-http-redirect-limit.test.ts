import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { silentLog } from '../src/experiment/console.js';
import { experiment, run } from './experiment-helpers.js';
import { startHttpApp } from './helpers.js';

// requests follows up to 30 redirects (Session.max_redirects) and raises TooManyRedirects on the
// 31st, which chaoslib's http provider does not catch: the run stops there. faultline followed 20
// and handed the 21st redirect to the tolerance as the answer.
const { origin } = await startHttpApp((request, response) => {
  const left = Number(request.url?.slice('/hops/'.length));
  if (left > 0) response.writeHead(302, { Location: `/hops/${left - 1}` }).end();
  else response.end('arrived');
});

describe('an http probe follows redirects as far as requests does', () => {
  const probeThrough = (hops: number, said: string[] = []) => {
    const record = (message: string) => said.push(message);
    return run(
      experiment({
        method: [
          {
            type: 'probe',
            name: 'far',
            provider: { type: 'http', url: `${origin}/hops/${hops}`, timeout: 10 },
          },
        ],
      }),
      { log: { ...silentLog, error: record, critical: record } },
    );
  };

  test('30 redirects are followed to the answer', async () => {
    const journal = await probeThrough(30);
    const [entry] = journal.run;
    assert.equal(entry!.status, 'succeeded', JSON.stringify(entry!.exception));
    assert.deepEqual(
      [(entry!.output as { status: number }).status, (entry!.output as { body: string }).body],
      [200, 'arrived'],
    );
  });

  test('a 31st redirect stops the run, in requests words', async () => {
    const said: string[] = [];
    const journal = await probeThrough(31, said);
    assert.equal(journal.status, 'aborted');
    assert.match(said.join('\n'), /Exceeded 30 redirects\./);
  });
});
