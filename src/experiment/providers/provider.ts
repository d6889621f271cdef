import type { Activity, JsonObject, Provider } from '../../model/experiment.js';
import type { Configuration, Secrets } from '../configuration.js';
import type { Ledger } from '../ledger.js';
import type { PythonRuntime } from '../python/interpreter.js';
import type { Scope } from '../substitute.js';

export interface ProviderContext {
  configuration: Configuration;
  secrets: Secrets;
  scope: Scope;
  /** Aborted when the run is interrupted; providers stop their work at once. */
  signal: AbortSignal;
  /** Directory of the experiment file: relative module paths resolve from here. */
  baseDirectory: string;
  ledger: Ledger;
  warn(message: string): void;
  /**
   * The activity runs beside others (a background activity, a hypothesis check during the
   * method, a safeguard): its Python call gets a thread; others run on the interpreter's main thread.
   */
  background?: boolean;
  /** The run's Python interpreter; without it each Python call starts its own. */
  python?: PythonRuntime;
}

/** Runs one kind of provider. `run` throws ActivityFailed for failures Chaos Toolkit records. */
export interface ProviderImplementation {
  validate(
    provider: Provider,
    activity: Activity,
    context: Omit<ProviderContext, 'signal' | 'ledger'> & {
      /** The activity is a probe tolerance: its arguments are an object, the runner sets `value` in them. */
      tolerance?: boolean;
    },
  ): Promise<void>;
  run(provider: Provider, activity: Activity, context: ProviderContext): Promise<unknown>;
}

/** Arguments are substituted only when configuration or secrets exist, as Chaos Toolkit does. */
export function hasValues(context: Pick<ProviderContext, 'configuration' | 'secrets'>): boolean {
  return Object.keys(context.configuration).length > 0 || Object.keys(context.secrets).length > 0;
}

export function argumentsOf(provider: Provider): JsonObject {
  const value = provider.arguments;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}
