import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli, tempDirectory } from './helpers.js';

process.env.PYTHONDONTWRITEBYTECODE = '1';

const fixtures = fileURLToPath(new URL('../../test/fixtures/experiment/', import.meta.url));

async function writeExperiment(directory: string, value: object, name = 'experiment.json'): Promise<string> {
  const path = join(directory, name);
  await writeFile(path, JSON.stringify({ title: 't', description: 'd', method: [], ...value }));
  return path;
}

const readJournal = async (path: string) =>
  JSON.parse(await readFile(path, 'utf8')) as {
    status: string;
    run: Array<{ activity: { name: string }; output: unknown; status?: string }>;
    rollbacks: Array<{ activity: { name: string } }>;
  };

describe('faultline run: validation and the run share one Python interpreter', () => {
  test('a module is imported once and what validate_control kept is there for the run', async () => {
    const directory = tempDirectory('runfix');
    const source = await writeExperiment(directory, {
      controls: [{ name: 'keeper', provider: { type: 'python', module: 'pyvalidated' } }],
      method: [
        {
          type: 'probe',
          name: 'state',
          provider: { type: 'python', module: 'pyvalidated', func: 'state' },
        },
      ],
    });
    const journalPath = join(directory, 'journal.json');
    const result = await runCli(['run', source, '--journal-path', journalPath], {
      PYTHONPATH: fixtures,
    });
    assert.equal(result.code, 0, result.stderr);
    const journal = await readJournal(journalPath);
    assert.deepEqual(journal.run[0]!.output, { imports: 1, validated: ['keeper'] });
  });
});
