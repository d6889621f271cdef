/** The Chaos Toolkit experiment format, as faultline reads it (JSON or YAML). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type ActivityType = 'probe' | 'action';

export interface Provider extends JsonObject {
  type: string;
}

export interface Activity extends JsonObject {
  type: ActivityType;
  name: string;
  provider: Provider;
}

export interface Ref extends JsonObject {
  ref: string;
}

export type ActivityOrRef = Activity | Ref;

export interface Hypothesis extends JsonObject {
  title: string;
  probes: ActivityOrRef[];
}

export interface Experiment extends JsonObject {
  title: string;
  description: string;
  method: ActivityOrRef[];
}

export const hypothesisStrategies = [
  'default',
  'before-method-only',
  'after-method-only',
  'during-method-only',
  'continuously',
  'continously',
  'skip',
] as const;
export type HypothesisStrategy = (typeof hypothesisStrategies)[number];

export const rollbackStrategies = ['default', 'always', 'never', 'deviated'] as const;
export type RollbackStrategy = (typeof rollbackStrategies)[number];

export const dryModes = ['probes', 'actions', 'activities', 'pause'] as const;
export type DryMode = (typeof dryModes)[number];

export type RunStatus = 'completed' | 'failed' | 'aborted' | 'interrupted';

export function isRef(activity: ActivityOrRef): activity is Ref {
  return 'ref' in activity;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
