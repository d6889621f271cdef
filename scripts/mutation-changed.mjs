// Mutation testing of only the core files a change touches: the files under Stryker's `mutate`
// globs that differ from a base, committed or not. Each file must reach the config's
// `thresholds.break` on its own, so one weak file cannot hide behind a strong one.
//   node scripts/mutation-changed.mjs [--lines] [base-ref]
// With --lines only the lines the change added or rewrote are mutated (CI's mode: its time
// follows the size of the change, not of the files it touches); without, the whole files.
//
// The base, first that applies:
//   1. the ref given on the command line, or $MUTATION_BASE;
//   2. where HEAD left origin/main, else main (the merge base), so a branch is judged on all it changes;
//   3. HEAD's parent, when HEAD is that branch itself or neither exists: the last commit's changes.
//      A merge commit's first parent makes this every file the merge brought in.
// A checkout with no parent commit (a clone of depth 1) has nothing to compare with: the script
// says so, mutates nothing and exits 0, so CI does not fail for how it was cloned; clone with
// depth 2 or more, or pass a base, to judge a change.
// Exits 0 without running Stryker when no core file changed, and says so.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { scoreOf } from './mutation-score.mjs';

const git = (...args) => execFileSync('git', args, { encoding: 'utf8' }).trim();
const hasRef = (ref) =>
  spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).status === 0;
const fail = (message) => {
  process.stderr.write(`mutation:changed: ${message}\n`);
  process.exit(2);
};

function chooseBase() {
  const requested = positional[0] ?? process.env.MUTATION_BASE;
  if (requested !== undefined && requested !== '') {
    if (!hasRef(requested))
      fail(`the base "${requested}" is not a commit in this checkout; pass a ref that is`);
    return { base: git('merge-base', requested, 'HEAD'), why: requested };
  }
  const head = git('rev-parse', 'HEAD');
  for (const branch of ['origin/main', 'main']) {
    if (!hasRef(branch)) continue;
    const base = git('merge-base', branch, 'HEAD');
    if (base !== head) return { base, why: `where HEAD left ${branch}` };
  }
  if (hasRef('HEAD~1')) return { base: git('rev-parse', 'HEAD~1'), why: "HEAD's parent (the last commit)" };
  // A clone of depth 1 (what many CI systems make) has no change to judge. CI must not fail for
  // how it was cloned, so this says loudly that nothing was mutated, and why.
  process.stdout.write(
    'mutation:changed: SKIPPED: no base to compare with (no origin/main or main behind HEAD, and HEAD has no parent: a clone of depth 1?); ' +
      'fetch more history (git fetch --deepen=1) or pass a base ref to mutate what changed\n',
  );
  return process.exit(0);
}

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg.startsWith('-') && arg !== '--lines');
if (unknown.length > 0) fail(`unknown option ${unknown.join(', ')}; the only option is --lines`);
const byLines = args.includes('--lines');
const positional = args.filter((arg) => !arg.startsWith('-'));
if (positional.length > 1) fail(`one base ref at most, received ${positional.join(', ')}`);

const config = JSON.parse(readFileSync('stryker.config.json', 'utf8'));
const threshold = config.thresholds?.break ?? 80;
const inCore = (file) => config.mutate.some((glob) => path.matchesGlob(file, glob));

const { base, why } = chooseBase();
// Against the working tree, so uncommitted changes count too.
const changed = git('diff', '--name-only', '--diff-filter=d', base).split('\n').filter(Boolean);
const files = changed.filter(inCore).sort();
const baseName = `${base.slice(0, 12)} (${why})`;
if (files.length === 0) {
  process.stdout.write(`mutation:changed: no core file changed since ${baseName}; nothing to mutate\n`);
  process.exit(0);
}
process.stdout.write(
  `mutation:changed: ${files.length} core file(s) changed since ${baseName}: ${files.join(', ')}\n`,
);

/** The new-side line ranges of the hunks that added or rewrote lines, as Stryker's file:start-end. */
function changedRanges(file) {
  const ranges = [];
  for (const [, start, count = '1'] of git('diff', '-U0', base, '--', file).matchAll(
    /^@@ -\S+ \+(\d+)(?:,(\d+))? @@/gm,
  )) {
    if (Number(count) === 0) continue;
    ranges.push(`${file}:${start}-${Number(start) + Number(count) - 1}`);
  }
  return ranges;
}
const targets = byLines ? files.flatMap(changedRanges) : files;
if (targets.length === 0) {
  process.stdout.write('mutation:changed: the changes to these files only delete lines; nothing to mutate\n');
  process.exit(0);
}
if (byLines)
  process.stdout.write(`mutation:changed: mutating the changed lines only: ${targets.join(', ')}\n`);

const report = config.jsonReporter?.fileName ?? 'reports/mutation/mutation.json';
rmSync(report, { force: true });
const started = performance.now();
const stryker = spawnSync('npx', ['stryker', 'run', '--mutate', targets.join(',')], { stdio: 'inherit' });
const minutes = ((performance.now() - started) / 60_000).toFixed(1);
if (stryker.status !== 0 && !existsSync(report)) {
  fail(
    `Stryker failed before it wrote ${report} (exit ${stryker.status ?? stryker.signal}) after ${minutes} min`,
  );
}

const scores = Object.entries(JSON.parse(readFileSync(report, 'utf8')).files).map(([file, { mutants }]) => ({
  file,
  ...scoreOf(mutants),
}));
const below = scores.filter(({ score }) => score < threshold);
// Stryker reports only the mutants it made, so with --lines a score is that of the changed lines.
const scope = byLines ? ', its changed lines' : '';
for (const { file, score, survived, noCoverage, mutants } of scores) {
  process.stdout.write(
    `  ${score.toFixed(1).padStart(5)}%  ${file}${scope}  (${mutants} mutants, ${survived} survived, ${noCoverage} without coverage)\n`,
  );
}
if (below.length > 0) {
  fail(
    `${below.length} changed core file(s) below the break threshold of ${threshold}% (${below.map(({ file }) => file).join(', ')}): ` +
      'kill the survivors with tests, or list truly equivalent ones in stryker.equivalent.mjs',
  );
}
if (stryker.status !== 0) fail(`Stryker exited with ${stryker.status ?? stryker.signal}`);
process.stdout.write(
  `mutation:changed: every changed core file at ${threshold}% or more, in ${minutes} min\n`,
);
