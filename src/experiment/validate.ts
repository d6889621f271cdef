import {
  type Activity,
  type ActivityOrRef,
  type Experiment,
  hypothesisStrategies,
  isObject,
  isRef,
  type Json,
  type JsonObject,
  rollbackStrategies,
} from '../model/experiment.js';
import { bytesConfiguration, loadConfiguration, loadSecrets } from './configuration.js';
import { createPythonRuntime, type PythonRuntime } from './python/interpreter.js';
import { InvalidActivity, InvalidExperiment, ValidationErrors } from './errors.js';
import { validateControls } from './controls/validate.js';
import { compileJsonPath } from './jsonpath2.js';
import { providerFor } from './providers/index.js';
import { checkKeys } from './key-check.js';
import { unsubstitutableNames, unsubstitutedTolerances } from './placeholder-check.js';
import { describeUnknownKey } from './known-keys.js';
import { scopeOf } from './substitute.js';
import { pythonRegex } from './python-regex.js';
import { pyTruthy } from './python-values.js';
import { refuseUntargetedTolerance } from './tolerance-target.js';
import {
  activityListProblems,
  activityShapeProblem,
  describeNonMapping,
  isEmptyToPython,
} from './activity-shapes.js';

export interface ValidateOptions {
  /** Unknown keys are errors instead of warnings. */
  strict?: boolean;
  /** Receives each warning; validation never drops one in silence when a caller listens. */
  warn?: (message: string) => void;
  /** Global controls (the settings file's), validated and loaded with the file's own. */
  globalControls?: JsonObject[];
  /**
   * The run's Python interpreter, so modules are imported once and what validate_control
   * keeps in them is there for the run, as in chaos run's one process. The caller closes it.
   * Default: one of its own, closed when validation ends.
   */
  python?: PythonRuntime;
}

const TOLERANCE_TYPES =
  'hypothesis probe tolerance must either be an integer, a string, a boolean or a pair of values for boundaries. It can also be a dictionary which is a probe activity definition that takes an argument called `value` with the value of the probe itself to be validated';

/**
 * ensure_experiment_is_valid: the rules in Chaos Toolkit's order, with its messages. Chaos
 * Toolkit stops at the first error; faultline goes on to every check that does not depend on
 * the failed one (each hypothesis probe, method activity and rollback, the runtime, the
 * controls) and throws them all together (see ValidationErrors). One addition: refs in
 * rollbacks are checked too (Chaos Toolkit crashes on them).
 */
export async function validateExperiment(
  value: unknown,
  baseDirectory: string,
  options: ValidateOptions = {},
): Promise<Experiment> {
  // chaoslib's `if not experiment`: null, {}, [], "" and 0 are empty; any other non-mapping
  // crashes chaos, and is named here.
  if (isEmptyToPython(value)) throw new InvalidExperiment('an empty experiment is not an experiment');
  if (!isObject(value))
    throw new InvalidExperiment(
      `an experiment is a mapping of keys (title, description, method, ...); this one is ${describeNonMapping(value)}`,
    );
  const warn = options.warn ?? (() => undefined);
  const errors: InvalidExperiment[] = [];
  const check = async (rule: () => void | Promise<void>): Promise<boolean> => {
    try {
      await rule();
      return true;
    } catch (error) {
      if (!(error instanceof InvalidExperiment)) throw error;
      errors.push(error);
      return false;
    }
  };
  await check(() => reportKeys(value, options.strict === true, warn));
  for (const problem of unsubstitutableNames(value)) warn(problem);
  for (const problem of unsubstitutedTolerances(value)) warn(problem);
  if (typeof value.tags === 'string' && value.tags !== '')
    warn(
      `tags is the text ${JSON.stringify(value.tags)}, which chaos reads letter by letter as the tags ${[...value.tags].join(', ')}: write a list, tags: [${value.tags}]`,
    );
  for (const problem of bytesConfiguration(asObject(value.configuration))) warn(problem);
  for (const rule of headingRules) await check(() => rule(value));
  errors.push(...activityListProblems(value));
  let configuration: ReturnType<typeof loadConfiguration> = {};
  let secrets: ReturnType<typeof loadSecrets> = {};
  // Activities are checked with the configuration and secrets: without them, nothing further is.
  const loaded = await check(() => {
    configuration = loadConfiguration(asObject(value.configuration));
    secrets = loadSecrets(asObject(value.secrets));
  });
  if (!loaded) throw ValidationErrors.of(errors);
  // One interpreter imports the Python modules of every activity and control, as chaoslib validates in one process.
  const python = options.python ?? createPythonRuntime({ moduleDirectory: baseDirectory });
  const context = {
    configuration,
    secrets,
    scope: scopeOf(configuration, secrets),
    baseDirectory,
    warn,
    python,
  };
  const experiment = value as Experiment;
  try {
    const hypothesis = value['steady-state-hypothesis'];
    if (hypothesis !== undefined && hypothesis !== null) {
      const titled = await check(() => {
        if (!isObject(hypothesis) || !hypothesis.title)
          throw new InvalidExperiment('hypothesis requires a title');
      });
      const probes = titled ? (hypothesis as JsonObject).probes : undefined;
      for (const [index, probe] of (Array.isArray(probes) ? (probes as ActivityOrRef[]) : []).entries()) {
        await check(async () => {
          await validateActivity(probe, experiment, context);
          if (!('tolerance' in probe)) {
            const which = isRef(probe) ? `ref to '${probe.ref}'` : `'${(probe as Activity).name}'`;
            throw new InvalidActivity(
              `hypothesis probe must have a tolerance entry (steady-state-hypothesis.probes[${index}], ${which}: add "tolerance", which decides whether the steady state is met)`,
            );
          }
          await validateTolerance(probe.tolerance as Json, experiment, context);
          refuseUntargetedTolerance(probe as unknown as JsonObject);
        });
      }
    }
    await check(() => {
      if (!Array.isArray(value.method)) {
        throw new InvalidExperiment(
          'an experiment requires a method, which can be empty for only checking steady state hypothesis ',
        );
      }
    });
    for (const activity of Array.isArray(value.method) ? (value.method as ActivityOrRef[]) : [])
      await check(() => validateActivity(activity, experiment, context));
    for (const activity of Array.isArray(value.rollbacks) ? (value.rollbacks as ActivityOrRef[]) : [])
      await check(() => validateActivity(activity, experiment, context));
    await check(() => validateRuntime(value.runtime));
    await check(() =>
      validateControls(value, {
        globals: options.globalControls ?? [],
        baseDirectory,
        python,
        warn,
        checkProbe: async (probe) => {
          await validateActivity(probe as ActivityOrRef, experiment, context);
          await validateTolerance(probe.tolerance as Json, experiment, context);
        },
      }),
    );
  } finally {
    if (!options.python) await python.close();
  }
  if (errors.length > 0) throw ValidationErrors.of(errors);
  return experiment;
}

/** Title, description, tags and extensions: each with chaos's message, each checked. */
const headingRules: Array<(value: JsonObject) => void> = [
  (value) => {
    if (!value.title) throw new InvalidExperiment('experiment requires a title');
  },
  (value) => {
    if (!value.description) throw new InvalidExperiment('experiment requires a description');
  },
  // chaoslib reads them with .items(), and crashes on anything else; they were ignored here.
  ...(['configuration', 'secrets'] as const).map((key) => (value: JsonObject) => {
    const block = value[key];
    if (block !== undefined && block !== null && !isObject(block)) {
      throw new InvalidExperiment(
        `${key} must be a mapping of keys to values; this one is ${describeNonMapping(block)}`,
      );
    }
  }),
  (value) => {
    // chaoslib: `if tags:` then each item must be a non-empty string. Empty tags (YAML's `tags:`
    // with nothing, null) are none; a text is iterated letter by letter (warned about below).
    const tags = value.tags;
    if (!pyTruthy(tags) || typeof tags === 'string') return;
    if (!Array.isArray(tags))
      throw new InvalidExperiment(
        `experiment tags must be a list of non-empty strings; this one is ${describeNonMapping(tags)}`,
      );
    if (tags.some((tag) => typeof tag !== 'string' || tag === '')) {
      throw new InvalidExperiment('experiment tags must be a non-empty string');
    }
  },
  (value) => {
    if (
      Array.isArray(value.extensions) &&
      value.extensions.some((extension) => !isObject(extension) || !extension.name)
    ) {
      throw new InvalidExperiment('All extensions require a non-empty name');
    }
  },
];

/** Unknown keys: warnings that name them, or one error listing them all with --strict. */
function reportKeys(experiment: JsonObject, strict: boolean, warn: (message: string) => void): void {
  const report = checkKeys(experiment);
  const problems = [...report.unknown.map(describeUnknownKey), ...report.ignored];
  if (strict && problems.length > 0) {
    throw new InvalidExperiment(
      `--strict: ${problems.join('; ')} (fix or remove these keys, or run without --strict to only warn)`,
    );
  }
  for (const problem of problems) warn(problem);
}

/** runtime.*.strategy must name a strategy: an unknown one would silently mean "default". */
function validateRuntime(runtime: Json | undefined): void {
  if (runtime === undefined) return;
  if (!isObject(runtime)) {
    throw new InvalidExperiment(`runtime must be an object, received ${JSON.stringify(runtime)}`);
  }
  const choices = { hypothesis: hypothesisStrategies, rollbacks: rollbackStrategies } as const;
  for (const phase of ['hypothesis', 'rollbacks'] as const) {
    const block = runtime[phase];
    if (block === undefined) continue;
    const strategy = isObject(block) ? block.strategy : undefined;
    if (!(choices[phase] as readonly unknown[]).includes(strategy)) {
      throw new InvalidExperiment(
        `runtime.${phase}.strategy must be one of ${choices[phase].join(', ')}; received ${JSON.stringify(isObject(block) ? block.strategy : block)}`,
      );
    }
  }
}

type Context = Parameters<NonNullable<ReturnType<typeof providerFor>>['validate']>[2];

async function validateActivity(
  activity: ActivityOrRef,
  experiment: Experiment,
  context: Context,
): Promise<void> {
  const shapeProblem = activityShapeProblem(activity);
  if (shapeProblem) throw shapeProblem;
  if ('ref' in activity) {
    if (typeof activity.ref !== 'string' || activity.ref === '') {
      throw new InvalidActivity('reference to activity must be non-empty strings');
    }
    if (!findActivity(experiment, activity.ref)) {
      throw new InvalidActivity(`referenced activity '${activity.ref}' could not be found in the experiment`);
    }
    return;
  }
  const candidate = activity as JsonObject;
  if (!candidate.type) throw new InvalidActivity('an activity must have a type');
  if (candidate.type !== 'probe' && candidate.type !== 'action') {
    throw new InvalidActivity(`'${candidate.type}' is not a supported activity type`);
  }
  if (!candidate.name) throw new InvalidActivity('an activity must have a name');
  const provider = candidate.provider;
  if (!isObject(provider)) throw new InvalidActivity('an activity requires a provider');
  if (!provider.type) throw new InvalidActivity('a provider must have a type');
  const implementation = providerFor(provider as Activity['provider']);
  if (!implementation) throw new InvalidActivity(`unknown provider type '${provider.type}'`);
  if (candidate.timeout !== undefined && typeof candidate.timeout !== 'number') {
    throw new InvalidActivity(
      `activity timeout must be a number; activity '${String(candidate.name)}' has ${JSON.stringify(candidate.timeout)}`,
    );
  }
  for (const when of ['before', 'after'] as const) {
    const pause = isObject(candidate.pauses) ? candidate.pauses[when] : undefined;
    if (
      pause !== undefined &&
      typeof pause !== 'number' &&
      !(typeof pause === 'string' && /^\$\{.+\}$/.test(pause))
    ) {
      throw new InvalidActivity(
        `activity ${when} pause must be a number or a pattern to a variable from the configuration or secrets; activity '${String(candidate.name)}' has ${JSON.stringify(pause)}`,
      );
    }
    if (typeof pause === 'number' && pause < 0) {
      throw new InvalidActivity(
        `activity ${when} pause is ${pause} in activity '${String(candidate.name)}': a pause is a number of seconds, 0 or more (chaos run fails on a negative one)`,
      );
    }
  }
  if (candidate.background !== undefined && typeof candidate.background !== 'boolean') {
    throw new InvalidActivity(
      `activity background must be a boolean; activity '${String(candidate.name)}' has ${JSON.stringify(candidate.background)}`,
    );
  }
  await implementation.validate(provider as Activity['provider'], candidate as Activity, context);
}

/** chaoslib binds a probe tolerance's arguments without `value`, which the run adds: say so. */
function explainValue(error: unknown): never {
  if (error instanceof Error && /^required argument 'value' is missing from activity /.test(error.message)) {
    error.message +=
      " (a probe tolerance's function is given the probe's output as 'value' when it runs, but validation binds its arguments without it, as chaos's does: give it a default, def f(value=None))";
  }
  throw error;
}

async function validateTolerance(tolerance: Json, experiment: Experiment, context: Context): Promise<void> {
  const simple = typeof tolerance === 'boolean' || typeof tolerance === 'string' || Array.isArray(tolerance);
  if (simple || (typeof tolerance === 'number' && Number.isInteger(tolerance))) return;
  if (!isObject(tolerance)) throw new InvalidActivity(TOLERANCE_TYPES);
  switch (tolerance.type) {
    case 'probe': {
      await validateActivity(tolerance as unknown as Activity, experiment, {
        ...context,
        tolerance: true,
      }).catch(explainValue);
      return refuseUnmergeableArguments(tolerance);
    }
    case 'regex': {
      if (!('pattern' in tolerance))
        throw new InvalidActivity('hypothesis regex probe tolerance must have a `pattern` key');
      if (typeof tolerance.pattern !== 'string') {
        throw new InvalidActivity(
          `hypothesis probe tolerance pattern ${pythonRepr(tolerance.pattern)} has an invalid type`,
        );
      }
      try {
        pythonRegex(tolerance.pattern);
      } catch (error) {
        throw new InvalidActivity(
          `hypothesis probe tolerance pattern ${tolerance.pattern} seems invalid: ${(error as Error).message}`,
        );
      }
      return;
    }
    case 'jsonpath': {
      if (!('path' in tolerance))
        throw new InvalidActivity('hypothesis jsonpath probe tolerance must have a `path` key');
      // chaoslib strips the path before it checks that one is there.
      if (!tolerance.path || (typeof tolerance.path === 'string' && tolerance.path.trim() === ''))
        throw new InvalidActivity('hypothesis probe tolerance JSON path cannot be empty');
      try {
        if (!String(tolerance.path).includes('$')) throw new Error('no root');
        if (!/\$\{|\$[_a-zA-Z]/.test(String(tolerance.path))) compileJsonPath(String(tolerance.path));
      } catch {
        throw new InvalidActivity(`hypothesis probe tolerance JSON path ${tolerance.path} is invalid`);
      }
      return;
    }
    case 'range': {
      if (!('range' in tolerance))
        throw new InvalidActivity('hypothesis range probe tolerance must have a `range` key');
      if (!Array.isArray(tolerance.range)) throw new InvalidActivity('hypothesis range must be a sequence');
      if (tolerance.range.length !== 2)
        throw new InvalidActivity('hypothesis range sequence must be made of two values');
      // chaoslib's isinstance(bound, Number): a bool is an int to Python, so true is 1, false 0.
      if (!isPythonNumber(tolerance.range[0]))
        throw new InvalidActivity('hypothesis range lower boundary must be a number');
      if (!isPythonNumber(tolerance.range[1]))
        throw new InvalidActivity('hypothesis range upper boundary must be a number');
      return;
    }
    case undefined:
      throw new InvalidActivity(
        'hypothesis probe tolerance is an object with no "type": set "type" to "probe", "regex", "jsonpath" or "range" (or use a bool, int, string or list tolerance)',
      );
    default:
      throw new InvalidActivity(
        `hypothesis probe tolerance type '${String(tolerance.type)}' is unsupported: use "probe", "regex", "jsonpath" or "range"`,
      );
  }
}

/**
 * The runner gives a probe tolerance the checked output as `arguments.value`, as chaoslib does:
 * a list or a string has no place for it, and chaos run crashes on them (TypeError).
 */
function refuseUnmergeableArguments(tolerance: JsonObject): void {
  const args = (tolerance.provider as JsonObject).arguments;
  if (!Array.isArray(args) && typeof args !== 'string') return;
  const example =
    (tolerance.provider as JsonObject).type === 'process'
      ? ' ({"--flag": "x"} runs `PATH --flag x value OUTPUT`)'
      : '';
  throw new InvalidActivity(
    `probe tolerance '${String(tolerance.name)}' has its arguments as a ${Array.isArray(args) ? 'list' : 'string'}: the checked output is passed as the argument "value", which a ${Array.isArray(args) ? 'list' : 'string'} cannot hold (chaos run crashes on it with TypeError); write the arguments as an object${example}`,
  );
}

/** The activity a `ref` names: method activities, then hypothesis probes win (the last cached). */
export function findActivity(experiment: Experiment, name: string): Activity | undefined {
  const hypothesis = experiment['steady-state-hypothesis'];
  const probes =
    isObject(hypothesis) && Array.isArray(hypothesis.probes) ? (hypothesis.probes as ActivityOrRef[]) : [];
  const candidates = [...experiment.method, ...probes].filter((item): item is Activity => !isRef(item));
  return candidates.filter((activity) => activity.name === name).at(-1);
}

function asObject(value: Json | undefined): JsonObject | undefined {
  return isObject(value) ? value : undefined;
}

function pythonRepr(value: Json | undefined): string {
  if (value === null || value === undefined) return 'None';
  return JSON.stringify(value);
}

const isPythonNumber = (value: unknown) => typeof value === 'number' || typeof value === 'boolean';
