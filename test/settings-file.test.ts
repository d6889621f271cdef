import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadSettings } from '../src/experiment/controls/settings.js';
import { tempDirectory } from './helpers.js';

test('--settings naming a directory says so, rather than calling the directory invalid YAML', () => {
  const directory = tempDirectory('settings-file');
  assert.throws(() => loadSettings(directory, () => undefined), {
    message: `Settings file ${directory} cannot be read: it is a directory; give the path of a settings YAML file`,
  });
});
