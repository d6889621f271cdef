import { z } from 'zod';
import { isFaultlineError } from '../../model/errors.js';
import { isObject, type Json } from '../../model/experiment.js';
import { parseProxyCreate, parseProxyUpdate } from '../../model/proxy-spec.js';
import { parseToxicCreate } from '../../model/toxic.js';
import { stressSpecSchema } from '../../system/stress-spec.js';
import { systemModules } from '../../system/operations/index.js';
import { InvalidActivity } from '../errors.js';
import { argumentValueProblems } from './faultline-argument-values.js';
import { closest } from '../known-keys.js';
import { hasPlaceholder } from '../substitute.js';

const name = z.string().min(1);
const port = z.union([z.number().int().min(0).max(65535), z.string().min(1)]);
const stream = z.enum(['upstream', 'downstream']);
const toxicity = z.number().min(0).max(1);
/** Integers for the byte toxics; strings, header maps and match objects for the HTTP ones. */
const attributes = z.record(z.string(), z.json());
const milliseconds = z.number().min(0);
const toxicFor = { for_proxy: name, toxic_name: name };

/**
 * The arguments of faultline's own provider functions. chaostoolkit-toxiproxy's functions keep
 * its argument names (Python would reject any other name), faultline's take the control API's.
 */
export const argumentSchemas: Record<string, Record<string, z.ZodType>> = {
  'chaostoxi.proxy.actions': {
    create_proxy: z.strictObject({
      proxy_name: name,
      upstream_host: name,
      upstream_port: port,
      listen_host: name.optional(),
      listen_port: port.optional(),
      enabled: z.boolean().optional(),
    }),
    modify_proxy: z.strictObject({
      proxy_name: name,
      listen_address: name.optional(),
      upstream_address: name.optional(),
      enabled: z.boolean().optional(),
    }),
    disable_proxy: z.strictObject({ proxy_name: name }),
    enable_proxy: z.strictObject({ proxy_name: name }),
    delete_proxy: z.strictObject({ proxy_name: name }),
    reset: z.strictObject({}),
  },
  'chaostoxi.proxy.probes': {
    proxy_exist: z.strictObject({ proxy_name: name }),
    get_proxy_attribute: z.strictObject({ proxy_name: name, attribute: name }),
  },
  'chaostoxi.toxic.actions': {
    create_toxic: z.strictObject({
      ...toxicFor,
      toxic_type: name,
      stream: stream.optional(),
      toxicity: toxicity.optional(),
      attributes: attributes.optional(),
    }),
    create_latency_toxic: z.strictObject({
      ...toxicFor,
      latency: milliseconds,
      jitter: milliseconds.optional(),
    }),
    create_bandwith_degradation_toxic: z.strictObject({ ...toxicFor, rate: z.number().min(0) }),
    create_slow_connection_close_toxic: z.strictObject({ ...toxicFor, delay: milliseconds }),
    create_timeout_toxic: z.strictObject({ ...toxicFor, timeout: milliseconds }),
    create_slicer_toxic: z.strictObject({
      ...toxicFor,
      average_size: z.number().min(0),
      size_variation: z.number().min(0),
      delay: milliseconds,
    }),
    create_limiter_toxic: z.strictObject({ ...toxicFor, bytes_limit: z.number().min(0) }),
    delete_toxic: z.strictObject(toxicFor),
  },
  proxies: {
    create: z.strictObject({
      name,
      upstream: name,
      listen: name.optional(),
      enabled: z.boolean().optional(),
      protocol: z.string().optional(),
      header_faults: z.boolean().optional(),
      // The server checks these in full and answers with the field and what it accepts.
      idle_timeout: z.number().optional(),
      tls: z.record(z.string(), z.unknown()).optional(),
      upstream_tls: z.record(z.string(), z.unknown()).optional(),
      toxics: z.array(z.record(z.string(), z.unknown())).optional(),
    }),
    enable: z.strictObject({ name }),
    disable: z.strictObject({ name }),
    delete: z.strictObject({ name }),
    get: z.strictObject({ name }),
    reset: z.strictObject({}),
    list: z.strictObject({}),
  },
  toxics: {
    add: z.strictObject({
      proxy: name,
      type: name,
      name: name.optional(),
      stream: stream.optional(),
      toxicity: toxicity.optional(),
      attributes: attributes.optional(),
    }),
    update: z.strictObject({
      proxy: name,
      name,
      toxicity: toxicity.optional(),
      attributes: attributes.optional(),
    }),
    remove: z.strictObject({ proxy: name, name }),
    list: z.strictObject({ proxy: name }),
  },
};

/**
 * A faultline function takes its arguments by name: a list or a text would be read as no
 * arguments at all, so it is refused (`null`, as YAML writes an empty `arguments:`, is none).
 */
export function checkArgumentsShape(
  module: string,
  func: string,
  args: Json | undefined,
  activity: { name: string; type: string },
): void {
  if (args === undefined || args === null || isObject(args)) return;
  const given = Array.isArray(args)
    ? `a list of ${args.length}`
    : `the ${typeof args} ${JSON.stringify(args)}`;
  throw new InvalidActivity(
    `invalid arguments for ${module}.${func} in ${activity.type} '${activity.name}': arguments must be an object of names and values (such as {"proxy": "db"}), not ${given} (docs/experiments.md lists each function's arguments)`,
  );
}

/** The schema of a function's arguments: ours, a system operation's own, or a stress kind's. */
export function argumentSchema(module: string, func: string): z.ZodType | undefined {
  const own = argumentSchemas[module]?.[func];
  if (own) return own;
  if (module === 'stress' && func !== 'stop') {
    // A memory stress also takes force (past the available memory); the runner takes both out.
    const runnerKeys = func === 'memory' ? ['cgroup', 'force'] : ['cgroup'];
    return z
      .looseObject({
        cgroup: name.optional(),
        ...(func === 'memory' ? { force: z.boolean().optional() } : {}),
      })
      .transform((args) => ({
        ...Object.fromEntries(Object.entries(args).filter(([key]) => !runnerKeys.includes(key))),
        kind: func,
      }))
      .pipe(stressSpecSchema);
  }
  return systemModules[module]?.[func]?.schema;
}

/**
 * Checks arguments against the function's schema at validation. Values that still hold a
 * `${name}` (filled from dynamic configuration at run time) are checked when the activity runs.
 */
export function checkArguments(
  module: string,
  func: string,
  args: Json,
  activity: { name: string; type: string },
): void {
  const schema = argumentSchema(module, func);
  if (schema) checkAgainstSchema(schema, `${module}.${func}`, args, activity);
  const problems = argumentValueProblems(module, func, args);
  if (problems.length > 0)
    throw new InvalidActivity(
      `invalid arguments for ${module}.${func} in ${activity.type} '${activity.name}': ${problems.join('; ')} (docs/experiments.md lists each function's arguments)`,
    );
  checkBodies(module, func, args, activity);
}

/**
 * The toxic or proxy an activity would send is checked as the server will check it, so a typo
 * inside `attributes` or a toxic `type` fails validation instead of a run that injects nothing.
 */
function checkBodies(module: string, func: string, args: Json, activity: { name: string; type: string }) {
  if (!isObject(args) || JSON.stringify(args).includes('${')) return;
  const bodies: Array<() => unknown> = [];
  if (module === 'toxics' && func === 'add') {
    bodies.push(() =>
      parseToxicCreate(Object.fromEntries(Object.entries(args).filter(([key]) => key !== 'proxy'))),
    );
  } else if (module === 'chaostoxi.toxic.actions' && func === 'create_toxic') {
    bodies.push(() =>
      parseToxicCreate({
        name: args.toxic_name,
        type: args.toxic_type,
        stream: args.stream ?? 'downstream',
        toxicity: args.toxicity ?? 1,
        attributes: args.attributes ?? {},
      }),
    );
  } else if (module === 'proxies' && func === 'create') {
    bodies.push(() => parseProxyCreate(args));
  } else if (module === 'chaostoxi.proxy.actions' && func === 'modify_proxy') {
    // The body modify_proxy sends: only the addresses it was given (an empty one is left out).
    bodies.push(() =>
      parseProxyUpdate(
        {
          ...(args.listen_address ? { listen: args.listen_address } : {}),
          ...(args.upstream_address ? { upstream: args.upstream_address } : {}),
        },
        String(args.proxy_name),
      ),
    );
  }
  for (const check of bodies) {
    try {
      check();
    } catch (error) {
      if (!isFaultlineError(error)) throw error;
      throw new InvalidActivity(
        `invalid arguments for ${module}.${func} in ${activity.type} '${activity.name}': the server would refuse them: ${error.message}`,
      );
    }
  }
}

/** Checks arguments against a schema; `label` names the function in the error. */
export function checkAgainstSchema(
  schema: z.ZodType,
  label: string,
  args: Json,
  activity: { name: string; type: string },
): void {
  const result = schema.safeParse(args, { reportInput: true });
  if (result.success) return;
  const problems = result.error.issues
    .filter((issue) => !holdsPlaceholder(valueAt(args, issue.path)))
    .map((issue) => describeIssue(issue, schema, valueAt(args, issue.path)));
  if (problems.length === 0) return;
  throw new InvalidActivity(
    `invalid arguments for ${label} in ${activity.type} '${activity.name}': ${problems.join('; ')} (docs/experiments.md lists each function's arguments)`,
  );
}

function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodType, given: Json | undefined): string {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const accepted = acceptedKeys(schema);
    return issue.keys
      .map((key) => {
        const suggestion = closest(key, accepted);
        const hint = suggestion ? ` (did you mean '${suggestion}'?)` : '';
        const list = accepted.length > 0 ? `; accepted: ${accepted.join(', ')}` : '';
        return `argument '${key}' is not accepted${hint}${list}`;
      })
      .join('; ');
  }
  if (issue.code === 'invalid_type' && given === undefined) return `argument '${path}' is required`;
  // zod reports the value after coercion ("received NaN"); the user wants to see what they wrote.
  const message = issue.message.replace(/, received .*$/, '');
  return `argument '${path || 'arguments'}': ${message}, received ${JSON.stringify(given)}${numberAsText(issue, given)}`;
}

/** "300" where a number is expected is most often an env configuration value, which is text. */
function numberAsText(issue: z.core.$ZodIssue, given: Json | undefined): string {
  const numeric = typeof given === 'string' && given.trim() !== '' && Number.isFinite(Number(given));
  if (issue.code !== 'invalid_type' || issue.expected !== 'number' || !numeric) return '';
  return ' (a value read from an environment variable is text: give its configuration "env_var_type": "int" or "float", or write a number)';
}

function acceptedKeys(schema: z.ZodType): string[] {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

function valueAt(value: Json, path: readonly PropertyKey[]): Json | undefined {
  let current: Json | undefined = value;
  for (const key of path) {
    if (Array.isArray(current)) current = current[Number(key)];
    else if (isObject(current)) current = current[String(key)];
    else return undefined;
  }
  return current;
}

function holdsPlaceholder(value: Json | undefined): boolean {
  return typeof value === 'string' && hasPlaceholder(value);
}
