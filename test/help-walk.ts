import assert from 'node:assert/strict';
import { runCli } from './helpers.js';

/** The command names a help's "Commands:" section lists (`list|ls [options]` gives `list`). */
function subcommands(help: string): string[] {
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z0-9-]*)/gm)]
    .map((match) => match[1]!)
    .filter((name) => name !== 'help');
}

/**
 * The --help of every command, `faultline` first, with its path: one level of the command tree
 * at a time, its helps read side by side (program, groups, commands).
 */
export async function everyHelp(): Promise<Array<{ path: string[]; help: string }>> {
  const helps: Array<{ path: string[]; help: string }> = [];
  let level: string[][] = [[]];
  for (let depth = 0; depth < 4 && level.length > 0; depth++) {
    const results = await Promise.all(level.map((path) => runCli([...path, '--help'])));
    const next: string[][] = [];
    results.forEach(({ code, stdout }, index) => {
      const path = level[index]!;
      assert.equal(code, 0, `faultline ${path.join(' ')} --help`);
      for (const sub of subcommands(stdout)) next.push([...path, sub]);
      helps.push({ path, help: stdout });
    });
    level = next;
  }
  assert.ok(helps.length > 40, `only ${helps.length} helps read: the command list was not followed`);
  return helps;
}

/** Each entry of a help's section ("Options", "Arguments") with its wrapped lines joined. */
export function sectionEntries(help: string, section: string): string[] {
  const text = help.split(`\n${section}:\n`)[1]?.split('\n\n')[0] ?? '';
  if (text === '') return [];
  return text.split(/\n(?= {2}\S)/).map((entry) => entry.replace(/\s+/g, ' ').trim());
}
