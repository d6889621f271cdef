import { isObject, type JsonObject } from '../model/experiment.js';
import { InvalidActivity, InvalidExperiment, ValidationErrors } from './errors.js';

/**
 * The lists an experiment's activities sit in besides its method (which has chaos's own rule).
 * chaoslib iterates them without checking that they are lists: a text, a number or a mapping
 * there crashed the runner with a JavaScript TypeError (`rollbacks.entries is not a function`).
 */
export function activityListProblems(experiment: JsonObject): InvalidExperiment[] {
  const hypothesis = experiment['steady-state-hypothesis'];
  const lists: Array<[string, string, unknown]> = [
    ['steady-state-hypothesis.probes', 'probes', isObject(hypothesis) ? hypothesis.probes : undefined],
    ['rollbacks', 'activities', experiment.rollbacks],
  ];
  return lists
    .filter(([, , list]) => list !== undefined && list !== null && !Array.isArray(list))
    .map(
      ([where, items, list]) =>
        new InvalidExperiment(`${where} must be a list of ${items}; this one is ${describeNonMapping(list)}`),
    );
}

/**
 * An activity that is not a mapping: chaos's message when it is empty to Python (null, {}, ""),
 * else what it is, where chaoslib crashed and faultline said it was empty.
 */
export function activityShapeProblem(activity: unknown): InvalidActivity | undefined {
  if (isEmptyToPython(activity)) return new InvalidActivity('empty activity is no activity');
  if (isObject(activity)) return undefined;
  return new InvalidActivity(
    `an activity is a mapping of keys (type, name, provider, ...) or a {"ref": name}; this one is ${describeNonMapping(activity)}`,
  );
}

/**
 * What `run --no-validation` still checks: the shapes the runner walks, so a wrong one is an
 * error that names it, not a crash halfway through the run.
 */
export function checkActivityShapes(experiment: JsonObject): void {
  const problems = activityListProblems(experiment);
  const method = experiment.method;
  if (method === undefined || method === null)
    problems.push(
      new InvalidExperiment(
        'the experiment has no method, the list of activities the run plays (validation, skipped by --no-validation, requires one): write "method": [] to run no activities',
      ),
    );
  else if (!Array.isArray(method))
    problems.push(
      new InvalidExperiment(`method must be a list of activities; this one is ${describeNonMapping(method)}`),
    );
  const hypothesis = experiment['steady-state-hypothesis'];
  for (const list of [
    isObject(hypothesis) ? hypothesis.probes : undefined,
    experiment.method,
    experiment.rollbacks,
  ]) {
    if (!Array.isArray(list)) continue;
    for (const activity of list) {
      const problem = activityShapeProblem(activity);
      if (problem) problems.push(problem);
    }
  }
  if (problems.length > 0) throw ValidationErrors.of(problems);
}

/** chaoslib's `if not value`: null, {}, [], "", 0 and false are empty. */
export function isEmptyToPython(value: unknown): boolean {
  if (value === null || value === undefined || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

export function describeNonMapping(value: unknown): string {
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'string')
    return `the text ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return `the value ${JSON.stringify(value)}`;
}
