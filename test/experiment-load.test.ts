import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvalidSource, loadExperiment } from '../src/experiment/load.js';
import { tempDirectory } from './helpers.js';

test('a JSON experiment with a syntax error names the line and column', async () => {
  const path = join(tempDirectory('load'), 'experiment.json');
  await writeFile(path, '{"title": "t",\n "description": "d",,\n "method": []}\n');
  await assert.rejects(
    loadExperiment(path),
    (error: Error) =>
      error instanceof InvalidSource &&
      /^Failed parsing JSON experiment: .*\(line 2, column 21\)$/.test(error.message),
  );
});
