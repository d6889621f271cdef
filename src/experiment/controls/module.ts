import type { JsonObject } from '../../model/experiment.js';
import type { Configuration, Secrets } from '../configuration.js';
import type { Change } from './changes.js';

/** One call of a control's hook, with what chaoslib hands it. */
export interface HookCall {
  hook: string;
  control: JsonObject;
  /** The control's own `arguments`, passed by name (substituted, except for configure_control). */
  arguments: JsonObject;
  /** The experiment, hypothesis or activity; the experiment's source (path or URL) for the loader hooks. */
  context: unknown;
  state: unknown;
  /** null for the loader hooks, which run before there is an experiment (chaoslib passes None). */
  experiment: JsonObject | null;
  /** null for the loader hooks, as in chaoslib. */
  configuration: Configuration | null;
  secrets: Secrets | null;
  settings: JsonObject | null;
  signal: AbortSignal;
  /** The hook is for a background activity: a Python hook runs in a thread, not the main one. */
  background?: boolean;
}

/**
 * What a hook changed in the objects chaoslib hands it by reference, and so lets it change in
 * place: its context (experiment, hypothesis or activity), the experiment, the state (the
 * journal, a run entry, the experiment just loaded), the configuration and the secrets.
 */
export type HookChanges = Partial<
  Record<'context' | 'experiment' | 'state' | 'configuration' | 'secrets', Change[]>
>;

export interface HookOutcome {
  changes: HookChanges;
}

/**
 * A loaded control module (Python, JavaScript or native). `call` throws InterruptExecution to
 * stop the run, any other error for a failed hook (which chaoslib logs and ignores).
 */
export interface ControlModule {
  readonly kind: 'python' | 'javascript' | 'native';
  has(hook: string): boolean;
  /** Calls the module's validate_control(control) where it has one; throws InvalidControl. */
  validate(control: JsonObject): Promise<void>;
  call(call: HookCall): Promise<HookOutcome>;
}
