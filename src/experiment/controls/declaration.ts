import { isObject, type Json, type JsonObject } from '../../model/experiment.js';

/** The levels chaoslib wraps in controls, and the hooks each one calls. */
export const LEVELS = ['experiment', 'hypothesis', 'method', 'rollback', 'activity'] as const;
export type ControlLevel = (typeof LEVELS)[number];
export type ControlScope = 'before' | 'after';

export function hookName(level: ControlLevel, scope: ControlScope): string {
  return `${scope}_${level}_control`;
}

/** Called around reading the experiment file, for global controls only. */
export const LOADER_HOOKS = ['before_loading_experiment_control', 'after_loading_experiment_control'];

/** Every hook a control module may have. */
export const LIFECYCLE_HOOKS = [
  'configure_control',
  'cleanup_control',
  ...LOADER_HOOKS,
  ...LEVELS.flatMap((level) => [hookName(level, 'before'), hookName(level, 'after')]),
];

/** `{name, provider: {type, module, arguments}, scope?, automatic?, ref?}` as a file declares it. */
export interface ControlDeclaration extends JsonObject {
  name: string;
  provider: JsonObject & { type: string; module: string; arguments?: JsonObject };
}

/** Every control of a file: top-level, the hypothesis's, then each activity's, as chaoslib lists them. */
export function declaredControls(experiment: JsonObject): JsonObject[] {
  const hypothesis = isObject(experiment['steady-state-hypothesis'])
    ? experiment['steady-state-hypothesis']
    : {};
  const activities = [
    ...listOf(hypothesis.probes),
    ...listOf(experiment.method),
    ...listOf(experiment.rollbacks),
  ].filter(isObject);
  return [
    ...listOf(experiment.controls),
    ...listOf(hypothesis.controls),
    ...activities.flatMap((activity) => listOf(activity.controls)),
  ].filter(isObject);
}

export function listOf(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

export function argumentsOf(control: JsonObject): JsonObject {
  const provider = isObject(control.provider) ? control.provider : {};
  return isObject(provider.arguments) ? provider.arguments : {};
}
