import { z } from 'zod';
import { NULL_BODY_STATUSES } from './fault-answer.js';
import { effects } from './fault-effects.js';
import { parseWith } from './fields.js';
import { compilePattern } from './pattern.js';

/**
 * A fault inside an application or a page, as data. It shares one decision logic between Node
 * and the browser, so the same fault behaves the same in both. What it does: an optional delay,
 * then at most one effect. When it applies: filters, then every condition in `when`.
 */
const faultShape = z
  .strictObject({
    name: z.string().min(1).optional(),
    delay: z.number().int().min(0).max(3_600_000).optional(),
    error: z
      .union([
        z.string().min(1),
        z.strictObject({ message: z.string(), name: z.string().optional(), code: z.string().optional() }),
      ])
      .optional(),
    status: z
      .number()
      .int()
      .min(
        200,
        'expected a final status, 200 to 599 (a 1xx is an interim answer: fetch, XHR and HTTP clients never hand one to the app)',
      )
      .max(599)
      .optional(),
    body: z.string().optional(),
    abort: z.literal(true).optional(),
    nullify: z.literal(true).optional(),
    /** Bytes per second for a response body dribbled out (HTTP middleware). */
    slowBody: z.number().int().min(1).optional(),
    methods: z.array(z.string().min(1)).min(1).optional(),
    url: z.string().min(1).optional(),
    /** Upper-cased, as methods arrive: "get" matches a GET. */
    httpMethods: z
      .array(
        z
          .string()
          .regex(/^[A-Za-z-]+$/, 'an HTTP method such as GET or POST')
          .transform((method) => method.toUpperCase()),
      )
      .min(1)
      .optional(),
    header: z.strictObject({ name: z.string().min(1), value: z.string().optional() }).optional(),
    everyNth: z.number().int().min(1).optional(),
    firstN: z.number().int().min(1).optional(),
    probability: z.number().min(0).max(1).optional(),
    seed: z.number().int().optional(),
    window: z
      .strictObject({ afterMs: z.number().min(0).optional(), untilMs: z.number().min(0).optional() })
      .optional(),
  })
  .refine((fault) => effects(fault).length <= 1, {
    message:
      'give at most one of error, status, abort, nullify and slowBody (a delay can go with any of them)',
  })
  .refine((fault) => fault.delay !== undefined || effects(fault).length === 1, {
    message: 'a fault needs something to do: delay, error, status, abort, nullify or slowBody',
  })
  .refine((fault) => fault.body === undefined || fault.status !== undefined || fault.error !== undefined, {
    message:
      'body is what a status fault answers (and an HTTP server error fault); with no status or error it is never sent: add a status, or drop body',
  })
  .refine((fault) => fault.body === undefined || !NULL_BODY_STATUSES.includes(fault.status ?? 0), {
    error: (issue) =>
      `a ${(issue.input as { status?: number }).status} answer has no body (RFC 9110), so the app would never see "body"; leave body out, or use a status that carries one`,
  })
  .refine((fault) => fault.seed === undefined || fault.probability !== undefined, {
    message: 'seed repeats the draws of probability, and there is no probability; give both, or drop seed',
  })
  .refine((fault) => (fault.window?.untilMs ?? Number.POSITIVE_INFINITY) > (fault.window?.afterMs ?? 0), {
    message: 'window: untilMs must be later than afterMs (0 when not given), or the fault would never apply',
  });

export type FaultSpec = z.infer<typeof faultShape>;

/** Validates a fault; its url and header patterns must compile (see pattern.ts). */
export function parseFault(value: unknown, where = 'fault'): FaultSpec {
  const fault = parseWith(faultShape, value, where);
  if (fault.url !== undefined) compilePattern(fault.url, `url in ${where}`);
  if (fault.header?.value !== undefined) compilePattern(fault.header.value, `header value in ${where}`);
  return fault;
}
