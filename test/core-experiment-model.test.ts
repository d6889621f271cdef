import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidExperiment } from '../src/experiment/errors.js';
import { validateExperiment } from '../src/experiment/validate.js';
import { dryModes, isObject, isRef } from '../src/model/experiment.js';
import { experiment, fixtures } from './experiment-helpers.js';

const withRuntime = (runtime: unknown) => validateExperiment(experiment({ runtime } as never), fixtures);

describe('the experiment model (src/model/experiment.ts)', () => {
  test('runtime strategies: every Chaos Toolkit name is accepted, others are refused with the list', async () => {
    const hypothesis = [
      'default',
      'before-method-only',
      'after-method-only',
      'during-method-only',
      'continuously',
      'continously',
      'skip',
    ];
    for (const strategy of hypothesis) await withRuntime({ hypothesis: { strategy } });
    for (const strategy of ['default', 'always', 'never', 'deviated'])
      await withRuntime({ rollbacks: { strategy } });
    await assert.rejects(withRuntime({ hypothesis: { strategy: 'sometimes' } }), {
      name: InvalidExperiment.name,
      message: `runtime.hypothesis.strategy must be one of ${hypothesis.join(', ')}; received "sometimes"`,
    });
    await assert.rejects(withRuntime({ rollbacks: { strategy: '' } }), {
      name: InvalidExperiment.name,
      message: 'runtime.rollbacks.strategy must be one of default, always, never, deviated; received ""',
    });
  });

  test('the dry modes are the four of chaos run --dry', () => {
    assert.deepEqual([...dryModes], ['probes', 'actions', 'activities', 'pause']);
  });

  test('isRef and isObject', () => {
    assert.equal(isRef({ ref: 'x' }), true);
    assert.equal(isRef({ type: 'probe', name: 'x', provider: { type: 'process' } }), false);
    assert.deepEqual([{}, { a: 1 }, null, [], 'text', 1, undefined].map(isObject), [
      true,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
