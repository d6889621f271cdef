// The files of the build before this one stay beside it: a server started from that build loads
// its chunks when first used (a TLS proxy, the first validation, the ledger), and a rebuild beside
// it (git pull && npm run build) that removed them would fail its next request. Older files go,
// so the directory holds at most two builds. scripts/build-cli.mjs calls this once it has written
// its own files.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a build lists the files it wrote, for the next build to keep. */
export const BUILD_LIST = 'build-cli-files.json';

/** A code cache (.v8-cache) belongs to the file it is the cache of. */
const ownerOf = (file) => file.replace(/\.v8-cache$/, '');

/**
 * Removes every file of `outdir` named with `prefix` that neither this build wrote (`written`,
 * file names) nor the build before it listed, then lists this build's files. Without a list (a
 * build from before this one kept none), the previous build is every file there before this one,
 * which `before` names.
 */
export function removeOlderBuilds(outdir, prefix, written, before) {
  const listFile = join(outdir, BUILD_LIST);
  const previous = existsSync(listFile) ? JSON.parse(readFileSync(listFile, 'utf8')) : before;
  const kept = new Set([...written, ...previous]);
  const removed = [];
  for (const file of readdirSync(outdir)) {
    if (!file.startsWith(prefix) || kept.has(ownerOf(file))) continue;
    rmSync(join(outdir, file), { force: true });
    removed.push(file);
  }
  writeFileSync(listFile, `${JSON.stringify([...new Set(written)].sort(), null, 1)}\n`);
  return removed;
}
