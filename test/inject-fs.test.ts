import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { parseWhen } from '../src/model/when.js';
import { registerHook, runNode, switchEnv } from './inject-helpers.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'faultline-fs-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Runs a script under the register hook with stdout redirected to a file, as `node app > out.log` does. */
async function runRedirected(script: string, faults: unknown) {
  const outFile = path.join(work, `stdout-${Math.random().toString(36).slice(2)}.log`);
  const out = openSync(outFile, 'w');
  const child = spawn(process.execPath, ['--import', registerHook, '--input-type=module', '-e', script], {
    env: switchEnv('1', { FAULTLINE_FAULTS: JSON.stringify(faults), WORK: work }),
    stdio: ['ignore', out, 'pipe'],
  });
  closeSync(out);
  after(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'close');
  return { code: code as number, stdout: readFileSync(outFile, 'utf8'), stderr };
}

const attempt = `const attempt = async (f) => { try { await f(); return 'ok'; } catch (e) { return e.code + ' ' + e.syscall; } };`;

describe('fs faults count each public call once', () => {
  test('"when": "2+" leaves the first writeFileSync, appendFileSync and writeFile alone and fails the later ones', async () => {
    const script = `import fs from 'node:fs'; import path from 'node:path';
      ${attempt}
      const file = (name) => path.join(process.env.WORK, name);
      const data = Buffer.from('some bytes');
      const sync = []; for (let i = 0; i < 3; i++) sync.push(await attempt(() => fs.writeFileSync(file('sync'), data)));
      const append = []; for (let i = 0; i < 3; i++) append.push(await attempt(() => fs.appendFileSync(file('append'), data)));
      const callback = []; for (let i = 0; i < 3; i++) callback.push(await attempt(() => new Promise((ok, fail) => fs.writeFile(file('callback'), data, (e) => e ? fail(e) : ok()))));
      console.log(JSON.stringify({ sync, append, callback }));`;
    const result = await runNode(
      script,
      switchEnv('1', {
        WORK: work,
        FAULTLINE_FAULTS: JSON.stringify([
          { target: 'fs', syscall: 'write', path: '/sync$', errno: 'EIO', when: '2+' },
          { target: 'fs', syscall: 'write', path: '/append$', errno: 'ENOSPC', when: '2+' },
          { target: 'fs', syscall: 'write', path: '/callback$', errno: 'EIO', when: '2+' },
        ]),
      }),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      sync: ['ok', 'EIO write', 'EIO write'],
      append: ['ok', 'ENOSPC write', 'ENOSPC write'],
      callback: ['ok', 'EIO write', 'EIO write'],
    });
  });

  test("a call made in another call's callback is the caller's own call and counts", async () => {
    const script = `import fs from 'node:fs'; import path from 'node:path';
      ${attempt}
      const file = path.join(process.env.WORK, 'nested');
      const results = [];
      await new Promise((done) => fs.writeFile(file, Buffer.from('a'), (e) => {
        results.push(e ? e.code : 'ok');
        attempt(() => fs.writeFileSync(file, Buffer.from('b'))).then((r) => { results.push(r); done(); });
      }));
      results.push(await attempt(() => fs.writeFileSync(file, Buffer.from('c'))));
      console.log(JSON.stringify(results));`;
    const result = await runNode(
      script,
      switchEnv('1', {
        WORK: work,
        FAULTLINE_FAULTS: JSON.stringify([
          { target: 'fs', syscall: 'write', path: '/nested$', errno: 'EIO', when: '2' },
        ]),
      }),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), ['ok', 'EIO write', 'ok']);
  });
});

describe('standard streams are never targets unless named', () => {
  test('a write fault without a path fails file writes, not console.log to a redirected stdout', async () => {
    const result = await runRedirected(
      `import fs from 'node:fs'; import path from 'node:path';
       ${attempt}
       console.log('first line');
       console.log('write: ' + await attempt(() => fs.writeFileSync(path.join(process.env.WORK, 'data'), Buffer.from('x'))));
       console.error('to stderr');
       console.log('last line');`,
      [{ target: 'fs', syscall: 'write', errno: 'EIO' }],
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'first line\nwrite: EIO write\nlast line\n');
    assert.equal(result.stderr, 'to stderr\n');
  });

  test('a path pattern that names /dev/stdout reaches descriptor 1, and only it', async () => {
    const result = await runRedirected(
      `import fs from 'node:fs'; import path from 'node:path';
       ${attempt}
       const direct = await attempt(() => fs.writeSync(1, 'direct\\n'));
       const file = await attempt(() => fs.writeFileSync(path.join(process.env.WORK, 'other'), Buffer.from('x')));
       console.error(JSON.stringify({ direct, file }));`,
      [{ target: 'fs', syscall: 'write', path: '^/dev/stdout$', errno: 'EIO' }],
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stderr), { direct: 'EIO write', file: 'ok' });
    assert.equal(result.stdout, '');
  });
});

describe('fs fault configuration', () => {
  test('an unknown field, an unknown syscall and a lookahead path are refused with the reason', async () => {
    const refused = async (fault: object) => {
      const result = await runNode(
        'console.log("ran")',
        switchEnv('1', { FAULTLINE_FAULTS: JSON.stringify([{ target: 'fs', ...fault }]) }),
      );
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      return result.stderr;
    };
    assert.equal(
      await refused({ syscall: 'write', errno: 'EIO', pth: 'x' }),
      'faultline/register: unknown field "pth" in fs fault 1: accepted keys: name, syscall, errno, path, when, delay; did you mean "path"?\n',
    );
    assert.match(
      await refused({ syscall: 'writ', errno: 'EIO' }),
      /faultline\/register: invalid syscall in fs fault 1: .*"open".*received "writ"/,
    );
    assert.match(
      await refused({ syscall: 'write', errno: 'EIO', path: '^(?!/tmp)' }),
      /faultline\/register: path in fs fault 1: invalid pattern "\^\(\?!\/tmp\)": .*no lookahead, lookbehind or backreferences/,
    );
  });
});

describe('the when grammar', () => {
  test('N, N+, N+S and N..M pick the calls strace would', () => {
    const calls = (expression: string) => [1, 2, 3, 4, 5, 6, 7].filter(parseWhen(expression));
    assert.deepEqual(calls('2'), [2]);
    assert.deepEqual(calls('2+'), [2, 3, 4, 5, 6, 7]);
    assert.deepEqual(calls('2+3'), [2, 5]);
    assert.deepEqual(calls('3..5'), [3, 4, 5]);
  });

  test('a zero step, a range that ends before it starts and a zeroth call are refused', () => {
    assert.throws(
      () => parseWhen('2+0'),
      /^FaultlineError: invalid when "2\+0": the step after \+ must be 1 or more$/,
    );
    assert.throws(() => parseWhen('5..3'), /^FaultlineError: invalid when "5..3": 3 comes before 5$/);
    assert.throws(() => parseWhen('0+'), /^FaultlineError: invalid when "0\+": use N \(only the Nth call\)/);
  });
});
