import { z } from 'zod';
import { FaultlineError } from './errors.js';
import { parseWith } from './fields.js';
import { compilePattern } from './pattern.js';
import { parseWhen } from './when.js';

/** The syscalls an fs fault can name; each covers the callback, sync and promise forms. */
export const fsSyscalls = [
  'open',
  'write',
  'read',
  'fsync',
  'close',
  'unlink',
  'mkdir',
  'rename',
  'stat',
] as const;

/**
 * A file-system fault in the spirit of strace's `-e inject=SYSCALL:error=ERRNO:when=EXPR`. `path`
 * is a pattern (see pattern.ts); `when` counts the public calls that match syscall and path.
 */
const fsFaultShape = z.strictObject({
  name: z.string().min(1).optional(),
  syscall: z.enum(fsSyscalls),
  errno: z.string().regex(/^E[A-Z0-9]+$/, 'an errno name such as EIO, ENOSPC or EACCES'),
  path: z.string().min(1).optional(),
  when: z.string().min(1).optional(),
  delay: z.number().int().min(0).max(3_600_000).optional(),
});

export type FsFault = z.infer<typeof fsFaultShape>;

export function parseFsFault(value: unknown, where: string): FsFault {
  const fault = parseWithErrnoNamed(value, where);
  if (fault.path !== undefined) compilePattern(fault.path, `path in ${where}`);
  if (fault.when !== undefined) parseWhen(fault.when);
  return fault;
}

/** parseWith, except that a missing errno says what an fs fault needs, rather than "received nothing". */
function parseWithErrnoNamed(value: unknown, where: string): FsFault {
  try {
    return parseWith(fsFaultShape, value, where);
  } catch (error) {
    const missing = typeof value === 'object' && value !== null && !('errno' in value);
    if (missing && (error as FaultlineError).reason === `invalid errno in ${where}`)
      throw new FaultlineError('FAULTLINE_ERR_MISSING_FIELD', `missing errno in ${where}`, {
        hint: 'an fs fault fails the call with an errno such as EIO, ENOSPC or EACCES; a delay holds the call before it fails, and is not a fault alone',
      });
    throw error;
  }
}
