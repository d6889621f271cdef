import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { faultlineVersion } from '../src/version.js';
import { startHttpApp } from './helpers.js';
import { experiment, run } from './experiment-helpers.js';

/** The request headers each probe's request arrived with, as the server saw them. */
async function headersSent(providers: object[]): Promise<Array<Record<string, unknown>>> {
  const { origin } = await startHttpApp((request, response) => {
    response.setHeader('Content-Type', 'application/json');
    response.end(JSON.stringify(request.headers));
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
  return journal.run.map((entry) => (entry.output as { body: Record<string, unknown> }).body);
}

describe('an HTTP activity says who it is and what it accepts, as requests does', () => {
  test("User-Agent and Accept: */* are sent unless the activity's headers set them, in any case", async () => {
    const [plain, own] = await headersSent([
      {},
      { headers: { 'user-agent': 'probe/1', ACCEPT: 'text/plain' } },
    ]);
    assert.equal(plain?.['user-agent'], `faultline-run/${faultlineVersion}`);
    assert.equal(plain?.accept, '*/*');
    assert.equal(own?.['user-agent'], 'probe/1');
    assert.equal(own?.accept, 'text/plain');
  });
});
