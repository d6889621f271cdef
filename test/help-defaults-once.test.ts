import assert from 'node:assert/strict';
import { test } from 'node:test';
import { everyHelp, sectionEntries } from './help-walk.js';

test('no option of any command states its default twice (its text and commander each once)', async () => {
  const twice: string[] = [];
  for (const { path, help } of await everyHelp()) {
    for (const entry of sectionEntries(help, 'Options')) {
      if ((entry.match(/\bdefault\b/g) ?? []).length > 1) twice.push(`faultline ${path.join(' ')}: ${entry}`);
    }
  }
  assert.deepEqual(twice, []);
});
