import { z } from 'zod';
import { numberArgument } from '../number-argument.js';
import { methodProblem, parseFailureThreshold, runLoad, thresholdBreach } from '../load.js';
import { operation, type SystemOperation } from './operation.js';

const run = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
    concurrency: numberArgument(z.number().int().min(1).max(10_000)).default(1),
    requests: numberArgument(z.number().int().min(1).max(10_000_000)).optional(),
    seconds: numberArgument(z.number().positive().max(3600)).optional(),
    method: z
      .string()
      .optional()
      .superRefine((value, context) => {
        const problem = value === undefined ? undefined : methodProblem(value);
        if (problem !== undefined)
          context.addIssue({ code: 'custom', message: `not an HTTP method: ${problem}` });
      }),
    headers: z.record(z.string().min(1), z.string()).optional(),
    body: z.string().optional(),
    maxFailures: z
      .union([z.number(), z.string()])
      .optional()
      .superRefine((value, context) => {
        if (value === undefined) return;
        try {
          parseFailureThreshold(value);
        } catch (error) {
          context.addIssue({ code: 'custom', message: (error as Error).message });
        }
      }),
  })
  .refine((args) => args.requests !== undefined || args.seconds !== undefined, {
    message: 'give requests or seconds, so the load stops by itself',
  });

/**
 * HTTP load as a probe: its report is what tolerances check ("p99 under 200 ms"). With
 * `maxFailures` (a count or "5%", as the CLI's --max-failures) the probe itself fails when more
 * requests fail; without it, failures are only counted and a tolerance judges them.
 */
export const loadOperations: Record<string, SystemOperation> = {
  run: operation('load.run', run, async (args, context) => {
    const report = await runLoad({
      url: args.url,
      concurrency: args.concurrency,
      ...(args.method === undefined ? {} : { method: args.method }),
      ...(args.headers === undefined ? {} : { headers: args.headers }),
      ...(args.body === undefined ? {} : { body: args.body }),
      signal: context.signal,
      ...(args.requests === undefined ? {} : { requests: args.requests }),
      ...(args.seconds === undefined ? {} : { seconds: args.seconds }),
    });
    if (args.maxFailures !== undefined && !report.interrupted) {
      const breach = thresholdBreach(report, parseFailureThreshold(args.maxFailures));
      if (breach) throw new Error(`load.run: ${breach} by maxFailures`);
    }
    return report;
  }),
};
