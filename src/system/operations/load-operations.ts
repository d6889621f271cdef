import { z } from 'zod';
import { runLoad } from '../load.js';
import { operation, type SystemOperation } from './operation.js';

const run = z
  .strictObject({
    url: z.url(),
    concurrency: z.coerce.number().int().min(1).max(10_000).default(1),
    requests: z.coerce.number().int().min(1).max(10_000_000).optional(),
    seconds: z.coerce.number().positive().max(3600).optional(),
    method: z.string().min(1).optional(),
    headers: z.record(z.string().min(1), z.string()).optional(),
    body: z.string().optional(),
  })
  .refine((args) => args.requests !== undefined || args.seconds !== undefined, {
    message: 'give requests or seconds, so the load stops by itself',
  });

/** HTTP load as a probe: its report is what tolerances check ("p99 under 200 ms"). */
export const loadOperations: Record<string, SystemOperation> = {
  run: operation('load.run', run, (args, context) =>
    runLoad({
      url: args.url,
      concurrency: args.concurrency,
      ...(args.method === undefined ? {} : { method: args.method }),
      ...(args.headers === undefined ? {} : { headers: args.headers }),
      ...(args.body === undefined ? {} : { body: args.body }),
      signal: context.signal,
      ...(args.requests === undefined ? {} : { requests: args.requests }),
      ...(args.seconds === undefined ? {} : { seconds: args.seconds }),
    }),
  ),
};
