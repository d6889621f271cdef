import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdir -p`, one level at a time, each made with `mode`. Node 20's `mkdirSync(path, {recursive:
 * true})` never returns when a level cannot be made in a parent that exists (`/proc/nope`, where
 * the kernel answers ENOENT): `--ledger-dir /proc/nope` spun a core and ignored SIGTERM. Here the
 * first level that fails throws, naming itself.
 */
export function makeDirectories(absolute: string, mode: number): void {
  const missing: string[] = [];
  for (let level = absolute; !existsSync(level); level = dirname(level)) {
    missing.unshift(level);
    if (dirname(level) === level) break;
  }
  for (const level of missing) {
    try {
      mkdirSync(level, { mode });
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      if (code === 'EEXIST') continue;
      throw new Error(`cannot make the directory ${level}: ${code ?? (error as Error).message}`);
    }
  }
}
