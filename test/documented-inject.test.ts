import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const register = fileURLToPath(new URL('../src/inject/register.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'faultline-inject-doc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a module script under `--import faultline/register` with the fault switch on. */
function runHooked(script: string, faults: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', register, '--input-type=module', '-e', script],
      { env: { ...process.env, FAULTLINE_INJECT: '1', FAULTLINE_FAULTS: faults }, timeout: 20_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Five writes to files named w1..w5 in a fresh directory; prints what each returned. */
const fiveWrites = (target: string) => `
  import { writeFileSync } from 'node:fs';
  const results = [];
  for (let i = 1; i <= 5; i++) {
    try { writeFileSync(${JSON.stringify(target)} + '/w' + i, 'x'); results.push('ok'); }
    catch (error) { results.push(error.code); }
  }
  console.log(JSON.stringify(results));`;

describe('FAULTLINE_FAULTS=@file (docs/inject.md)', () => {
  test('"@file.json" and "@file.yaml" are read from the file', async () => {
    const json = join(dir, 'faults.json');
    writeFileSync(
      json,
      JSON.stringify([{ target: 'fs', syscall: 'write', path: '/w\\d$', errno: 'EIO', when: '2' }]),
    );
    const yaml = join(dir, 'faults.yaml');
    writeFileSync(yaml, '- target: fs\n  syscall: write\n  path: /w\\d$\n  errno: ENOSPC\n  when: "4+"\n');
    for (const [file, expected] of [
      [json, ['ok', 'EIO', 'ok', 'ok', 'ok']],
      [yaml, ['ok', 'ok', 'ok', 'ENOSPC', 'ENOSPC']],
    ] as const) {
      const out = mkdtempSync(join(dir, 'out-'));
      const result = await runHooked(fiveWrites(out), `@${file}`);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), expected, file);
    }
  });

  test('a missing file stops the process, naming it', async () => {
    const result = await runHooked('console.log("ran")', `@${join(dir, 'nope.json')}`);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^faultline\/register: .*nope\.json/);
  });
});

describe('fs "when": "N..M" includes both ends (docs/inject.md)', () => {
  test('2..4 fails the 2nd, 3rd and 4th matching calls and no others', async () => {
    const out = mkdtempSync(join(dir, 'out-'));
    const result = await runHooked(
      fiveWrites(out),
      JSON.stringify([{ target: 'fs', syscall: 'write', path: '/w\\d$', errno: 'EIO', when: '2..4' }]),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), ['ok', 'EIO', 'EIO', 'EIO', 'ok']);
  });
});
