import { fileURLToPath } from 'node:url';
import { silentLog } from '../src/experiment/console.js';
import type { Journal } from '../src/experiment/journal.js';
import { noLedger } from '../src/experiment/ledger.js';
import { type RunOptions, startExperiment } from '../src/experiment/run.js';
import { validateExperiment } from '../src/experiment/validate.js';
import type { Experiment } from '../src/model/experiment.js';

export const fixtures = fileURLToPath(new URL('../../test/fixtures/experiment/', import.meta.url));

/** A javascript activity calling the fixture module. */
export function js(
  type: 'probe' | 'action',
  name: string,
  func: string,
  args: object = {},
  extra: object = {},
) {
  return {
    type,
    name,
    provider: { type: 'javascript', module: './activities.mjs', func, arguments: args },
    ...extra,
  };
}

export function experiment(fields: Record<string, unknown>): Experiment {
  return { title: 'test', description: 'a test experiment', method: [], ...fields } as Experiment;
}

/** Validates, then runs in this process, returning the journal. */
export async function run(value: Experiment, options: Partial<RunOptions> = {}): Promise<Journal> {
  const valid = await validateExperiment(value, fixtures);
  return startExperiment(valid, { log: silentLog, ledger: noLedger, baseDirectory: fixtures, ...options })
    .journal;
}

export const names = (entries: Array<{ activity: Record<string, unknown> }>) =>
  entries.map((entry) => entry.activity.name);

/** The faultline provider's latency toxic on proxy db, and the action that removes it. */
export const addToxic = {
  type: 'action',
  name: 'slow down',
  provider: {
    type: 'faultline',
    module: 'toxics',
    func: 'add',
    arguments: { proxy: 'db', name: 'slow', type: 'latency', attributes: { latency: 50 } },
  },
};

export const removeToxic = {
  type: 'action',
  name: 'speed up',
  provider: { type: 'faultline', module: 'toxics', func: 'remove', arguments: { proxy: 'db', name: 'slow' } },
};
