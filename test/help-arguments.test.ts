import assert from 'node:assert/strict';
import { test } from 'node:test';
import { everyHelp, sectionEntries } from './help-walk.js';

/** The arguments the help's Usage line names (`<lab>`, `[file]`, `<command...>`), not [options] or [command]. */
function usageArguments(help: string): string[] {
  const usage = /^Usage: .*$/m.exec(help)?.[0] ?? '';
  return [...usage.matchAll(/[<[]([a-z][a-z0-9-]*)(?:\.\.\.)?[>\]]/gi)]
    .filter((match) => !['[options]', '[command]'].includes(match[0]))
    .map((match) => match[1]!);
}

test('every argument of every command has a description in its --help', async () => {
  const bare: string[] = [];
  let seen = 0;
  for (const { path, help } of await everyHelp()) {
    if (path.length > 0 && path.at(-1) !== 'help' && /\nCommands:\n/.test(help)) continue;
    const described = new Map(
      sectionEntries(help, 'Arguments').map((entry) => [entry.split(' ')[0]!, entry.includes(' ')]),
    );
    for (const name of usageArguments(help)) {
      seen++;
      // commander lists no argument at all unless one has a description: a name left out counts too.
      if (described.get(name) !== true) bare.push(`faultline ${path.join(' ')}: ${name}`);
    }
  }
  assert.ok(seen > 20, `only ${seen} arguments read`);
  assert.deepEqual(bare, []);
});
