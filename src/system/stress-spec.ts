import { resolve } from 'node:path';
import { z } from 'zod';
import { numberArgument } from './number-argument.js';
import { BadInput } from './bad-input.js';
import type { FileIdentity } from './private-files.js';
import { parseBytes } from './units.js';

const seconds = numberArgument(z.number().positive().max(3600));
const size = (field: string) =>
  z.union([z.number(), z.string()]).transform((value, context) => {
    try {
      return parseBytes(value, field);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

/** A directory, relative to the current one or absolute; kept absolute, as the ledger records it. */
const directory = z
  .string()
  .min(1)
  .transform((path) => resolve(path));

const cpu = z.strictObject({
  kind: z.literal('cpu'),
  workers: numberArgument(z.number().int().min(1).max(256)).default(1),
  percent: numberArgument(z.number().min(1).max(100)).default(100),
  seconds,
});
const memory = z.strictObject({
  kind: z.literal('memory'),
  bytes: size('bytes'),
  /** Spread the allocation over this many seconds (0: as fast as possible). */
  rampSeconds: numberArgument(z.number().min(0).max(3600)).default(0),
  seconds,
});
const disk = z.strictObject({
  kind: z.literal('disk'),
  path: directory,
  bytes: size('bytes'),
  seconds,
});
const io = z.strictObject({
  kind: z.literal('io'),
  path: directory,
  blockBytes: size('blockBytes').default(4 * 1024 * 1024),
  fsync: z.boolean().default(true),
  seconds,
});

export const stressSpecSchema = z.discriminatedUnion('kind', [cpu, memory, disk, io]);
export type StressSpec = z.output<typeof stressSpecSchema>;
export type StressKind = StressSpec['kind'];
export const stressKinds: StressKind[] = ['cpu', 'memory', 'disk', 'io'];

/** Validates a stress request; the error lists each wrong field and what it accepts. */
export function parseStressSpec(input: unknown): StressSpec {
  const result = stressSpecSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.join('.') || 'stress';
    return `${where}: ${issue.message}`;
  });
  throw new BadInput(`invalid stress: ${problems.join('; ')}`);
}

/** What a stress process writes on its stdout, one JSON object per line. */
export type StressReport =
  | { type: 'ready'; detail: string; file?: FileIdentity }
  | { type: 'progress'; detail: string; rssBytes?: number }
  | { type: 'done'; detail: string; bytes?: number; bytesPerSecond?: number };
