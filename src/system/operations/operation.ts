import type { z } from 'zod';
import type { Ledger } from '../../model/ledger.js';
import { parseWith } from '../../model/fields.js';

/** What a system action needs from whoever runs it: the experiment runner or the CLI. */
export interface SystemContext {
  ledger: Ledger;
  signal: AbortSignal;
  warn(message: string): void;
}

export type SystemOperation = ((
  args: Record<string, unknown>,
  context: SystemContext,
) => Promise<unknown>) & {
  /** The arguments' schema, so `faultline validate` checks them without running anything. */
  readonly schema?: z.ZodType;
};

/** An operation whose arguments are checked first: unknown or wrong fields are named in the error. */
export function operation<T>(
  where: string,
  schema: z.ZodType<T>,
  run: (args: T, context: SystemContext) => Promise<unknown>,
): SystemOperation {
  return Object.assign(
    async (args: Record<string, unknown>, context: SystemContext) =>
      run(parseWith(schema, args, where), context),
    { schema },
  );
}
