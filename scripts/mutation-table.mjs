// Prints the per-file table of docs/mutation-testing.md from Stryker's JSON report(s):
//   node scripts/mutation-table.mjs [report.json ...]   (default reports/mutation/mutation.json)
// A file in several reports is taken from the last one given.
import { readFileSync } from 'node:fs';
import { scoreOf } from './mutation-score.mjs';

const reports = process.argv.slice(2);
const files = new Map();
for (const report of reports.length > 0 ? reports : ['reports/mutation/mutation.json']) {
  for (const [file, { mutants }] of Object.entries(JSON.parse(readFileSync(report, 'utf8')).files)) {
    files.set(file, mutants);
  }
}
const rows = [...files].sort(([a], [b]) => a.localeCompare(b));
const total = scoreOf(rows.flatMap(([, mutants]) => mutants));
const line = (name, { mutants, score, survived, noCoverage, ignored }) =>
  `| ${name} | ${mutants} | ${score.toFixed(1)}% | ${survived} | ${noCoverage} | ${ignored} |`;
process.stdout.write(
  [
    '| File | Mutants | Score | Survived | No coverage | Ignored (equivalent) |',
    '|---|---|---|---|---|---|',
    ...rows.map(([file, mutants]) => line(`\`${file}\``, scoreOf(mutants))),
    line('**all**', total),
  ].join('\n') + '\n',
);
