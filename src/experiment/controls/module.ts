import type { JsonObject } from '../../model/experiment.js';
import type { Configuration, Secrets } from '../configuration.js';

/** One call of a control's hook, with what chaoslib hands it. */
export interface HookCall {
  hook: string;
  control: JsonObject;
  /** The control's own `arguments`, passed by name (substituted, except for configure_control). */
  arguments: JsonObject;
  context: unknown;
  state: unknown;
  experiment: JsonObject;
  configuration: Configuration;
  secrets: Secrets;
  settings: JsonObject | null;
  signal: AbortSignal;
}

/** What a hook changed that chaoslib lets it change: configuration and secrets, in place. */
export interface HookOutcome {
  configuration?: Configuration;
  secrets?: Secrets;
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
