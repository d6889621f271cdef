// Stryker's build step: compiles the instrumented sandbox once. Instrumentation wraps every
// expression in a mutant switch, which widens types inferred from schemas, so tsc reports type
// errors in the tests that use them; the emitted JavaScript is still complete. Type checking
// belongs to `npm run lint`, so here only a failure to emit counts.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

// The sandbox finds node_modules by the usual upward lookup, so resolve tsc that way too.
const tscPath = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const tsc = spawnSync(process.execPath, [tscPath, '-p', 'tsconfig.json'], {
  encoding: 'utf8',
});
const emitted = ['dist/src/index.js', 'dist/test/helpers.js'].every((file) => existsSync(file));
if (tsc.error || !emitted) {
  process.stderr.write(tsc.stdout + tsc.stderr);
  process.stderr.write(
    `mutation build: tsc did not emit dist/ (${tsc.error?.message ?? `exit ${tsc.status}`})\n`,
  );
  process.exit(1);
}

// browserScript() reads the bundled page script, so tests that build one need it in the sandbox.
const bundle = spawnSync(process.execPath, ['scripts/build-browser.mjs'], { encoding: 'utf8' });
if (bundle.status !== 0) {
  process.stderr.write(bundle.stdout + bundle.stderr);
  process.stderr.write(`mutation build: the browser script did not bundle (exit ${bundle.status})\n`);
  process.exit(1);
}
