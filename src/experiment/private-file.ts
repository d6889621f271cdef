import { existsSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';

/**
 * Checks, before anything is injected, that the journal can be written where asked: a run whose
 * journal is lost at the end has left its faults and its record behind for nothing.
 */
export async function checkJournalPath(path: string): Promise<void> {
  const existed = existsSync(path);
  try {
    const handle = await open(path, 'a', 0o600);
    await handle.close();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(
      `cannot write the journal to ${path} (${reason}): nothing was run; choose a writable --journal-path`,
    );
  }
  if (!existed) await rm(path, { force: true });
}

/** Writes a file only its owner can read (0600), also when it already existed with a wider mode. */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  const handle = await open(path, 'w', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}
