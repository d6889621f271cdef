import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { registerHook, switchEnv } from './inject-helpers.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'faultline-register-'));
after(() => rmSync(work, { recursive: true, force: true }));

/**
 * A resolve hook that appends each module file the process loads to the file in LOADED_LIST, one a
 * line. Hooks run on their own thread: a synchronous write is there before the process ends.
 */
const hooks = path.join(work, 'hooks.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
   export async function resolve(specifier, context, next) {
     const resolved = await next(specifier, context);
     if (resolved.url.startsWith('file:')) appendFileSync(process.env.LOADED_LIST, resolved.url + '\\n');
     return resolved;
   }`,
);
const listModules = path.join(work, 'list-modules.mjs');
writeFileSync(
  listModules,
  `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`,
);

let runs = 0;

/** Runs SCRIPT after `--import faultline/register`, with the module files it loaded. */
function run(script: string, env: NodeJS.ProcessEnv) {
  const list = path.join(work, `loaded-${(runs += 1)}.txt`);
  writeFileSync(list, '');
  const args = ['--import', listModules, '--import', registerHook, '--input-type=module', '-e', script];
  return new Promise<{ code: number; stdout: string; stderr: string; modules: string[] }>((resolve) =>
    execFile(
      process.execPath,
      args,
      { env: { ...env, LOADED_LIST: list }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          stdout,
          stderr,
          modules: readFileSync(list, 'utf8').split('\n').filter(Boolean),
        }),
    ),
  );
}

const faults = JSON.stringify([{ target: 'fetch', status: 503 }]);

test('with faults off, the hook loads nothing but its switch: no fault model, no zod, no yaml', async () => {
  const result = await run('console.log("the app ran")', switchEnv(undefined, { FAULTLINE_FAULTS: faults }));
  assert.equal(result.code, 0, result.stderr);
  const hook = pathToFileURL(registerHook).href;
  assert.deepEqual(
    result.modules.filter((url) => url !== hook && !url.endsWith('/inject/enabled.js')),
    [],
  );
});

test('with faults on, yaml is loaded only for a YAML file, which still works', async () => {
  const fetchOnce = `const r = await fetch('http://127.0.0.1:9/x'); console.log(r.status);`;
  const json = await run(fetchOnce, switchEnv('1', { FAULTLINE_FAULTS: faults }));
  assert.equal(json.code, 0, json.stderr);
  assert.equal(json.stdout.trim(), '503');
  assert.equal(json.modules.filter((url) => url.includes('/node_modules/yaml/')).length, 0);

  const file = path.join(work, 'faults.yaml');
  writeFileSync(file, '- target: fetch\n  status: 502\n');
  const yaml = await run(fetchOnce, switchEnv('1', { FAULTLINE_FAULTS: `@${file}` }));
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.equal(yaml.stdout.trim(), '502');
  assert.ok(
    yaml.modules.some((url) => url.includes('/node_modules/yaml/')),
    'the module list is seen',
  );

  writeFileSync(file, '- target: fetch\n  status: 502\n  status: 503\n');
  const duplicate = await run(fetchOnce, switchEnv('1', { FAULTLINE_FAULTS: `@${file}` }));
  assert.equal(duplicate.code, 2);
  assert.match(
    duplicate.stderr,
    /^faultline\/register: FAULTLINE_FAULTS \(.*faults\.yaml\) is not valid YAML: .*duplicate key 'status'/,
  );
});
