import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidExperiment } from '../src/experiment/errors.js';
import { validateExperiment } from '../src/experiment/validate.js';
import { experiment, fixtures } from './experiment-helpers.js';

const action = (name: string, secrets: unknown) => ({
  type: 'action',
  name,
  provider: { type: 'javascript', module: './activities.mjs', func: 'context', secrets },
});

describe("provider.secrets names the experiment's scopes", () => {
  test('a scope the experiment does not declare is named, with the closest one; declared ones are quiet', async () => {
    const warnings: string[] = [];
    await validateExperiment(
      experiment({
        secrets: { database: { password: 'pw' }, api: { token: 't' } },
        method: [action('good', ['database', 'api']), action('typo', ['databse'])],
        rollbacks: [action('none', 'api')],
      }),
      fixtures,
      { warn: (message) => warnings.push(message) },
    );
    const scopes = warnings.filter((message) => message.includes('provider.secrets'));
    assert.deepEqual(scopes, [
      "method[1] ('typo').provider.secrets names the scope 'databse', which the experiment's secrets do not declare (declared: database, api; did you mean 'database'?): the function gets no secrets from it (chaos run passes nothing from it either, in silence)",
      `rollbacks[0] ('none').provider.secrets is "api": it must be a list of names of the experiment's secrets scopes (declared: database, api), such as ["database"]`,
    ]);
  });

  test('--strict makes it an error, before anything runs', async () => {
    await assert.rejects(
      validateExperiment(experiment({ method: [action('typo', ['vault'])] }), fixtures, { strict: true }),
      (error: Error) =>
        error instanceof InvalidExperiment &&
        error.message.includes(
          "method[0] ('typo').provider.secrets names the scope 'vault', which the experiment's secrets do not declare (the experiment declares no secrets)",
        ),
    );
  });
});
