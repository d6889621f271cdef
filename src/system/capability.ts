import { execFileSync } from 'node:child_process';

/** The machine cannot do what was asked; the message names what is missing and what to use instead. */
export class MissingCapability extends Error {
  override readonly name = 'MissingCapability';
  constructor(
    readonly missing: string,
    readonly alternative: string,
  ) {
    super(`${missing}; ${alternative}`);
  }
}

export function requireRoot(action: string): void {
  if (process.getuid?.() !== 0) {
    throw new MissingCapability(
      `${action} needs root (it changes kernel state), and this process runs as uid ${process.getuid?.()}`,
      'run faultline with sudo, or inside a container or VM where you are root',
    );
  }
}

const checkedBinaries = new Map<string, boolean>();

/** Fails unless `binary` runs; `debianPackage` is named in the error. */
export function requireBinary(binary: string, debianPackage: string, alternative: string): void {
  let present = checkedBinaries.get(binary);
  if (present === undefined) {
    try {
      execFileSync(binary, ['-V'], { stdio: 'ignore' });
      present = true;
    } catch (error) {
      present = (error as NodeJS.ErrnoException).code !== 'ENOENT';
    }
    checkedBinaries.set(binary, present);
  }
  if (!present) {
    throw new MissingCapability(
      `${binary} is not installed (Debian package "${debianPackage}": apt-get install ${debianPackage})`,
      alternative,
    );
  }
}
