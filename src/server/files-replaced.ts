/**
 * What a running server says when a file of its own that it loads at first use is gone: faultline
 * was rebuilt or upgraded under it (npm install of another version removes the files of this one;
 * a rebuild keeps only the previous build's, scripts/previous-build-files.mjs). Restarting runs
 * the files now there.
 */
export const FILES_REPLACED_ADVICE =
  "faultline's files changed under the running server (an upgrade or a rebuild): restart the server";

/** What an HTTP answer of such an error says besides (in place of "a bug in faultline"). */
export const FILES_REPLACED_HINT =
  'the server loads some of its files at their first use, and this one was removed after it started; the files now installed run once it restarts';

// Symbol.for: the launcher (main.cjs) and the server bundle each have a copy of this module.
const replaced = Symbol.for('faultline.filesReplaced');

/** The error for `file`, gone; with Node's code for a missing module, which callers may test. */
export function filesReplacedError(file: string, cause: unknown): Error {
  return Object.assign(new Error(`${file} is gone: ${FILES_REPLACED_ADVICE}`, { cause }), {
    code: 'MODULE_NOT_FOUND',
    [replaced]: true,
  });
}

export function isFilesReplacedError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && replaced in error;
}
