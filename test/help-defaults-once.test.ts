import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './helpers.js';

/** The command names a help's "Commands:" section lists (`list|ls [options]` gives `list`). */
function subcommands(help: string): string[] {
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z0-9-]*)/gm)]
    .map((match) => match[1]!)
    .filter((name) => name !== 'help');
}

/** Each option of a help with its wrapped description lines joined. */
function optionEntries(help: string): string[] {
  const section = help.split('\nOptions:\n')[1]?.split('\n\n')[0] ?? '';
  return section.split(/\n(?= {2}-)/).map((entry) => entry.replace(/\s+/g, ' ').trim());
}

test('no option of any command states its default twice (its text and commander each once)', async () => {
  let level: string[][] = [[]];
  let seen = 0;
  const twice: string[] = [];
  // One level of the command tree at a time, its helps read side by side: program, groups, commands.
  for (let depth = 0; depth < 4 && level.length > 0; depth++) {
    const helps = await Promise.all(level.map((path) => runCli([...path, '--help'])));
    const next: string[][] = [];
    helps.forEach(({ code, stdout }, index) => {
      const path = level[index]!;
      assert.equal(code, 0, `faultline ${path.join(' ')} --help`);
      for (const sub of subcommands(stdout)) next.push([...path, sub]);
      for (const entry of optionEntries(stdout)) {
        if ((entry.match(/\bdefault\b/g) ?? []).length > 1)
          twice.push(`faultline ${path.join(' ')}: ${entry}`);
      }
    });
    seen += level.length;
    level = next;
  }
  assert.ok(seen > 40, `only ${seen} helps read: the command list was not followed`);
  assert.deepEqual(twice, []);
});
