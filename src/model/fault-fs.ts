import { z } from 'zod';
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
  const fault = parseWith(fsFaultShape, value, where);
  if (fault.path !== undefined) compilePattern(fault.path, `path in ${where}`);
  if (fault.when !== undefined) parseWhen(fault.when);
  return fault;
}
