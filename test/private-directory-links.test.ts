import assert from 'node:assert/strict';
import { existsSync, lchownSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openLocalCa } from '../src/system/local-ca.js';
import { ensurePrivateDirectory } from '../src/system/private-files.js';
import { tempDirectory } from './helpers.js';

/**
 * The ledger and CA directories are often named under /tmp, where another user may plant a
 * symbolic link first. Its owner can point it anywhere at any time, between faultline's checks
 * and its writes included, so such a link is refused however safe its target looks today.
 */
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

function plantedLink(base: string, name: string, target: string, owner: number): string {
  const link = join(base, name);
  symlinkSync(target, link);
  lchownSync(link, owner, owner);
  return link;
}

test(
  'a directory path through a link another user owns is refused, and nothing is made behind it',
  { skip: !asRoot && 'needs root to chown a link' },
  async () => {
    const base = tempDirectory('private-directory-links');
    const target = join(base, 'private');
    mkdirSync(target, { mode: 0o700 });
    const asDirectory = plantedLink(base, 'theirs', target, NOBODY);
    assert.throws(
      () => ensurePrivateDirectory(asDirectory, 'ledger directory'),
      new RegExp(
        `^UnsafeFile: refused the ledger directory ${asDirectory}: ${asDirectory} is a symbolic link owned by uid 65534, who could point it elsewhere at any time; `,
      ),
    );
    const throughIt = join(asDirectory, 'faultline', 'ledger');
    assert.throws(
      () => ensurePrivateDirectory(throughIt, 'ledger directory'),
      new RegExp(
        `^UnsafeFile: refused the ledger directory ${throughIt}: ${asDirectory} is a symbolic link owned by uid 65534`,
      ),
    );
    await assert.rejects(
      openLocalCa(asDirectory),
      /refused the faultline CA directory .* symbolic link owned by uid 65534/,
    );
    assert.deepEqual(readdirSync(target), [], 'no directory, key or certificate was made behind the link');
  },
);

test(
  'a link of this user or of root is still followed',
  { skip: !asRoot && 'needs root to chown a link' },
  () => {
    const base = tempDirectory('private-directory-links');
    const target = join(base, 'private');
    mkdirSync(target, { mode: 0o700 });
    const ours = plantedLink(base, 'ours', target, 0);
    assert.equal(ensurePrivateDirectory(join(ours, 'ledger'), 'ledger directory'), join(ours, 'ledger'));
    assert.equal(existsSync(join(target, 'ledger')), true);
  },
);
