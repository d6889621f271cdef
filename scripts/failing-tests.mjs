// Prints the failing tests of the last `npm test` at the end of a CI log, where a log cut to its
// tail still shows them: node's TAP output names a failure where it happened, thousands of lines
// up, and the tail holds only the counts. Reads the spec reporter's copy that `npm test` writes.
import { existsSync, readFileSync } from 'node:fs';

const report = process.argv[2] ?? 'dist/test-report.txt';
const MOST_LINES = 160;
const say = (text) => process.stdout.write(`${text}\n`);

if (!existsSync(report)) {
  say(`failing tests: ${report} was not written (the build or the runner failed before any test ran)`);
  process.exit(0);
}
const text = readFileSync(report, 'utf8');
const start = text.lastIndexOf('✖ failing tests:');
if (start === -1) {
  say(`failing tests: none listed in ${report} (the runner itself failed: see the output above)`);
  process.exit(0);
}
// Frames inside node's own runner say nothing about the failure and would crowd it out.
const lines = text
  .slice(start)
  .trimEnd()
  .split('\n')
  .filter((line) => !/^\s+at .*\(node:(internal|async_hooks)/.test(line));
say(lines.slice(0, MOST_LINES).join('\n'));
if (lines.length > MOST_LINES) say(`... ${lines.length - MOST_LINES} more lines in ${report}`);
