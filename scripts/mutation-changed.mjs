// Mutation testing of only the core files a change touches: the files under Stryker's `mutate`
// globs that differ from a base ref (default origin/main, else main), committed or not.
//   node scripts/mutation-changed.mjs [base-ref]
// Exits 0 without running Stryker when no core file changed, and says so.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const git = (...args) => execFileSync('git', args, { encoding: 'utf8' }).trim();
const hasRef = (ref) => spawnSync('git', ['rev-parse', '--verify', '--quiet', ref]).status === 0;

const requested = process.argv[2];
const base = requested ?? ['origin/main', 'main'].find(hasRef);
if (base === undefined || !hasRef(base)) {
  process.stderr.write(
    `mutation:changed: no base to compare with (tried ${requested ?? 'origin/main, main'}); pass a ref\n`,
  );
  process.exit(2);
}

const { mutate } = JSON.parse(readFileSync('stryker.config.json', 'utf8'));
const inCore = (file) => mutate.some((glob) => path.matchesGlob(file, glob));
const changed = new Set(
  [
    git('diff', '--name-only', '--diff-filter=d', `${base}...HEAD`),
    git('diff', '--name-only', '--diff-filter=d', 'HEAD'),
  ]
    .join('\n')
    .split('\n')
    .filter(Boolean),
);
const files = [...changed].filter(inCore).sort();
if (files.length === 0) {
  process.stdout.write(`mutation:changed: no core file changed since ${base}; nothing to mutate\n`);
  process.exit(0);
}
process.stdout.write(
  `mutation:changed: ${files.length} core file(s) changed since ${base}: ${files.join(', ')}\n`,
);
const stryker = spawnSync('npx', ['stryker', 'run', '--mutate', files.join(',')], { stdio: 'inherit' });
process.exit(stryker.status ?? 1);
