import { isObject, type Json, type JsonObject } from '../model/experiment.js';
import { type ActivityRole, ignoredKeys } from './ignored-keys.js';
import { KNOWN_KEYS, type UnknownKey, unknownKeys } from './known-keys.js';
import { secretScopeProblems } from './secret-scopes-check.js';

/** What validation noticed that the run would otherwise ignore in silence. */
export interface KeyReport {
  unknown: UnknownKey[];
  /** Known keys that chaos run and faultline do not act on where they are written. */
  ignored: string[];
}

/** Walks every level chaoslib reads, controls included, and lists keys it would ignore. */
export function checkKeys(experiment: JsonObject): KeyReport {
  const report: KeyReport = { unknown: [], ignored: [] };
  report.unknown.push(...unknownKeys(experiment, KNOWN_KEYS.experiment, 'the experiment'));
  noteControls(experiment.controls, 'the experiment', report);
  const hypothesis = experiment['steady-state-hypothesis'];
  if (isObject(hypothesis)) {
    report.unknown.push(...unknownKeys(hypothesis, KNOWN_KEYS.hypothesis, 'steady-state-hypothesis'));
    noteControls(hypothesis.controls, 'steady-state-hypothesis', report);
    eachItem(hypothesis.probes, 'steady-state-hypothesis.probes', 'hypothesis probe', report);
  }
  eachItem(experiment.method, 'method', 'activity', report);
  eachItem(experiment.rollbacks, 'rollbacks', 'activity', report);
  if (isObject(experiment.runtime)) {
    report.unknown.push(...unknownKeys(experiment.runtime, KNOWN_KEYS.runtime, 'runtime'));
    for (const phase of ['hypothesis', 'rollbacks'] as const) {
      const block = experiment.runtime[phase];
      if (isObject(block))
        report.unknown.push(...unknownKeys(block, KNOWN_KEYS.strategy, `runtime.${phase}`));
    }
  }
  checkConfiguration(experiment.configuration, report);
  checkSecrets(experiment.secrets, report);
  checkContributions(experiment.contributions, report);
  report.ignored.push(...secretScopeProblems(experiment));
  return report;
}

const CONTRIBUTION_LEVELS = ['high', 'medium', 'low', 'none'];

/** chaoslib does not check contributions; reports read only these levels, so say what they will not. */
function checkContributions(contributions: Json | undefined, report: KeyReport): void {
  if (contributions === undefined) return;
  if (!isObject(contributions)) {
    report.ignored.push(
      `contributions is ${JSON.stringify(contributions)}, not an object of {name: "high" | "medium" | "low" | "none"}: reports will not read it`,
    );
    return;
  }
  for (const [name, level] of Object.entries(contributions)) {
    if (typeof level === 'string' && CONTRIBUTION_LEVELS.includes(level)) continue;
    report.ignored.push(
      `contributions '${name}' is ${JSON.stringify(level)}: a contribution is "high", "medium", "low" or "none" (chaos run does not check it either; reports show it as written)`,
    );
  }
}

function eachItem(list: Json | undefined, where: string, role: ActivityRole, report: KeyReport): void {
  if (!Array.isArray(list)) return;
  list.forEach((item, index) => {
    if (isObject(item)) checkActivity(item, `${where}[${index}]`, role, report);
  });
}

function checkActivity(
  activity: JsonObject,
  where: string,
  role: ActivityRole,
  report: KeyReport,
  known: readonly string[] = KNOWN_KEYS.activity,
): void {
  if ('ref' in activity) {
    // A ref runs the activity it names; beside it, only a hypothesis probe's own tolerance is read.
    const label = `${where} (ref to '${String(activity.ref)}')`;
    const hypothesis = role === 'hypothesis probe';
    report.unknown.push(
      ...unknownKeys(activity, hypothesis ? KNOWN_KEYS.hypothesisRef : KNOWN_KEYS.ref, label),
    );
    if (hypothesis) checkTolerance(activity.tolerance, label, role, report);
    return;
  }
  const label = typeof activity.name === 'string' ? `${where} ('${activity.name}')` : where;
  report.unknown.push(...unknownKeys(activity, known, label));
  report.ignored.push(...ignoredKeys(activity, label, role));
  noteControls(activity.controls, label, report);
  if (isObject(activity.pauses)) {
    report.unknown.push(...unknownKeys(activity.pauses, KNOWN_KEYS.pauses, `${label}.pauses`));
  }
  const provider = activity.provider;
  if (isObject(provider) && typeof provider.type === 'string') {
    const known = KNOWN_KEYS.provider[provider.type];
    if (known) report.unknown.push(...unknownKeys(provider, known, `${label}.provider`));
  }
  checkTolerance(activity.tolerance, label, role, report);
}

function checkTolerance(tolerance: Json | undefined, label: string, role: ActivityRole, report: KeyReport) {
  if (isObject(tolerance) && typeof tolerance.type === 'string') {
    const known = KNOWN_KEYS.tolerance[tolerance.type];
    if (known) report.unknown.push(...unknownKeys(tolerance, known, `${label}.tolerance`));
    else if (tolerance.type === 'probe') checkActivity(tolerance, `${label}.tolerance`, role, report);
  }
}

function checkConfiguration(configuration: Json | undefined, report: KeyReport): void {
  if (!isObject(configuration)) return;
  for (const [key, value] of Object.entries(configuration)) {
    if (!isObject(value)) continue;
    if (value.type === 'env') {
      report.unknown.push(...unknownKeys(value, KNOWN_KEYS.envValue, `configuration.${key}`));
    } else if (value.type === 'probe') checkActivity(value, `configuration.${key}`, 'activity', report);
  }
}

function checkSecrets(secrets: Json | undefined, report: KeyReport): void {
  if (!isObject(secrets)) return;
  for (const [scope, values] of Object.entries(secrets)) {
    if (!isObject(values)) continue;
    for (const [key, value] of Object.entries(values)) {
      if (!isObject(value)) continue;
      const where = `secrets.${scope}.${key}`;
      if (value.type === 'env') report.unknown.push(...unknownKeys(value, KNOWN_KEYS.envSecret, where));
      if (value.type === 'vault') report.unknown.push(...unknownKeys(value, KNOWN_KEYS.vaultSecret, where));
    }
  }
}

function noteControls(controls: Json | undefined, where: string, report: KeyReport): void {
  if (!Array.isArray(controls)) return;
  controls.forEach((control, index) => {
    if (!isObject(control)) return;
    const label = `${where === 'the experiment' ? '' : `${where}.`}controls[${index}]${typeof control.name === 'string' ? ` ('${control.name}')` : ''}`;
    report.unknown.push(...unknownKeys(control, KNOWN_KEYS.control, label));
    const provider = control.provider;
    if (isObject(provider)) {
      report.unknown.push(...unknownKeys(provider, KNOWN_KEYS.controlProvider, `${label}.provider`));
      checkAddonArguments(provider, `${label}.provider.arguments`, report);
    }
  });
}

/** The addons' controls that faultline runs natively take known arguments; their probes are activities. */
function checkAddonArguments(provider: JsonObject, where: string, report: KeyReport): void {
  const known = typeof provider.module === 'string' ? KNOWN_KEYS.addonArguments[provider.module] : undefined;
  if (!known || !isObject(provider.arguments)) return;
  report.unknown.push(...unknownKeys(provider.arguments, known, where));
  if (!Array.isArray(provider.arguments.probes)) return;
  provider.arguments.probes.forEach((probe, index) => {
    if (!isObject(probe)) return;
    const label = `${where}.probes[${index}]`;
    if ('ref' in probe) {
      // The addon reads a ref's own tolerance, frequency and background.
      const refLabel = `${label} (ref to '${String(probe.ref)}')`;
      report.unknown.push(...unknownKeys(probe, KNOWN_KEYS.safeguardRef, refLabel));
      checkTolerance(probe.tolerance, refLabel, 'safeguard probe', report);
      return;
    }
    // A safeguard probe is an activity with a `frequency`.
    checkActivity(probe, label, 'safeguard probe', report, [...KNOWN_KEYS.activity, 'frequency']);
  });
}
