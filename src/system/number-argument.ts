import { z } from 'zod';
import { decimalNumber } from '../model/decimal-number.js';

/**
 * A number argument: a JSON number, or text in decimal notation (a value substituted from the
 * configuration is text). z.coerce.number() read far more: null, false and "" as 0, true as 1,
 * [42] as 42 and "0x10" as 16, so `"expect": null` let a fault aimed at nothing pass.
 */
export function numberArgument<Output>(schema: z.ZodType<Output, number>) {
  const text = z.string().transform((value, context) => {
    const number = decimalNumber(value.trim());
    if (number !== undefined) return number;
    context.addIssue({ code: 'custom', message: 'expected a number' });
    return z.NEVER;
  });
  return z.union([z.number(), text], { error: 'expected a number' }).pipe(schema);
}
