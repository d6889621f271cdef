import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startHttpApp } from './helpers.js';
import { experiment, run } from './experiment-helpers.js';

/** Each path answers `bytes` (hex) with the Content-Type in the query, or none. */
async function bodiesOf(answers: Array<{ type?: string; hex: string }>): Promise<unknown[]> {
  const { origin } = await startHttpApp((request, response) => {
    const answer = answers[Number(new URL(request.url ?? '/', origin).pathname.slice(1))]!;
    if (answer.type !== undefined) response.setHeader('Content-Type', answer.type);
    response.end(Buffer.from(answer.hex, 'hex'));
  });
  const journal = await run(
    experiment({
      method: answers.map((_, index) => ({
        type: 'probe',
        name: `p${index}`,
        provider: { type: 'http', url: `${origin}/${index}` },
      })),
    }),
  );
  return journal.run.map((entry) => (entry.output as { body: unknown }).body);
}

describe("an HTTP body is text in the charset its Content-Type declares, as requests' r.text reads it", () => {
  test('a declared charset is used: latin-1, windows-1252, quoted, in any case; ascii replaces what is not', async () => {
    const bodies = await bodiesOf([
      { type: 'text/plain; charset=iso-8859-1', hex: '636166e9' },
      { type: 'text/html; charset="ISO-8859-1"', hex: '636166e9' },
      { type: 'text/plain; charset=windows-1252', hex: '80203130' },
      { type: 'application/xml; Charset=latin-1', hex: 'c9' },
      { type: 'text/plain; charset=us-ascii', hex: '61e962' },
      { type: 'text/plain; charset=utf-8', hex: '636166c3a9' },
    ]);
    assert.deepEqual(bodies, ['café', 'café', '€ 10', 'É', 'a\ufffdb', 'café']);
  });

  test('text without a charset is ISO-8859-1 to requests: latin-1 bytes are read so; UTF-8 stays UTF-8', async () => {
    const bodies = await bodiesOf([
      { type: 'text/plain', hex: '636166e9' },
      { type: 'text/plain', hex: '636166c3a9' },
      { type: 'text/csv', hex: '612c62' },
    ]);
    assert.deepEqual(bodies, ['café', 'café', 'a,b']);
  });

  test('a charset nobody knows falls back to UTF-8, as requests does on LookupError', async () => {
    const bodies = await bodiesOf([{ type: 'text/plain; charset=klingon', hex: '636166c3a9' }]);
    assert.deepEqual(bodies, ['café']);
  });
});
