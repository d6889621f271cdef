import type { JsonObject } from '../../model/experiment.js';
import type { ActivityEnvironment } from '../activity.js';
import type { Secrets } from '../configuration.js';
import type { Journal } from '../journal.js';
import { hasValues } from '../providers/provider.js';
import type { PythonRuntime } from '../python/interpreter.js';
import { scopeOf, substitute } from '../substitute.js';
import type { RunLog } from '../console.js';
import {
  argumentsOf,
  LOADER_HOOKS,
  type ControlLevel,
  type ControlScope,
  declaredControls,
  hookName,
} from './declaration.js';
import { applyChanges } from './changes.js';
import type { ControlHooks } from './hooks.js';
import { loadControlModules, moduleKey } from './load.js';
import { invokeHook } from './invoke.js';
import type { ControlModule, HookChanges } from './module.js';
import type { NativeRun } from './native.js';
import type { ControlRecord } from './record.js';
import { contextControls } from './select.js';

export interface ControlDispatcher extends ControlHooks {
  /** configure_control of each control once by name, global controls first. */
  configure(): Promise<void>;
  /** cleanup_control of each control once by name, then stops what native controls started. */
  cleanup(): Promise<void>;
}

export interface DispatcherOptions {
  experiment: JsonObject;
  globals: readonly JsonObject[];
  settings: JsonObject | null;
  /** The loader hooks called before the run: first in the journal's `controls`. */
  loaderControls: readonly ControlRecord[];
  environment: ActivityEnvironment;
  /** The run's Python interpreter: Python controls share it (and its module globals) with Python activities. */
  python: PythonRuntime;
  journal: Journal;
  /** Interrupts the method as exit_gracefully() would; false once the run is past it. */
  interrupt(reason: string): boolean;
  /** Secrets a control added: they are masked in output like the file's own. */
  addSecrets(secrets: Secrets): void;
}

/**
 * The one dispatcher of lifecycle hooks: every level of the run calls `before` and `after`, and
 * the dispatcher picks the controls of that level as chaoslib does, calls their hook, records
 * it in the journal's `controls`, and applies what it changed in the objects chaoslib hands it
 * by reference: its context, the experiment, the state, the configuration and the secrets.
 * InterruptExecution from a hook propagates; any other failure is logged and the run goes on.
 */
export async function createControlDispatcher(options: DispatcherOptions): Promise<ControlDispatcher> {
  const { experiment, environment, journal } = options;
  const declared = declaredControls(experiment);
  let globals = [...options.globals];
  if (declared.length === 0 && globals.length === 0) return noControls;
  const records: ControlRecord[] = [...options.loaderControls];
  journal.controls = records;
  const native: NativeRun = {
    environment,
    interrupt: options.interrupt,
    record: (record) => records.push(record),
    markTriggered(control, probe) {
      const record = records.findLast((entry) => entry.control === control && entry.target === probe);
      if (record) {
        record.triggered = true;
        record.status = 'interrupted';
      }
    },
    log: environment.log,
    finished: { set: false },
  };
  const modules = await loadControlModules(
    [...declared, ...globals],
    environment.context.baseDirectory,
    options.python,
    native,
  );
  const moduleOf = (control: JsonObject): ControlModule | undefined => {
    const key = moduleKey(control);
    return key === undefined ? undefined : modules.get(key);
  };
  warnOfLoaderHooks(declared, globals, moduleOf, environment.log);

  // Hooks run to the end even when the run is interrupted: after hooks must still see it.
  const hookSignal = new AbortController().signal;
  const call = async (
    control: JsonObject,
    hook: string,
    level: ControlRecord['level'],
    target: JsonObject,
    state: unknown,
    settings = options.settings,
  ): Promise<void> => {
    const module = moduleOf(control);
    if (!module?.has(hook)) return;
    const { context } = environment;
    const raw = structuredClone(argumentsOf(control));
    const args = hook !== 'configure_control' && hasValues(context) ? substitute(raw, context.scope) : raw;
    await invokeHook({
      module,
      call: {
        hook,
        control,
        arguments: args,
        context: target,
        state,
        experiment,
        configuration: context.configuration,
        secrets: context.secrets,
        settings,
        signal: hookSignal,
        background: target.background === true,
      },
      level,
      target: String(target.name ?? target.title ?? ''),
      record: (record) => records.push(record),
      apply: (changes) => apply(changes, target, state),
      log: environment.log,
    });
  };

  // chaoslib hands these objects to hooks by reference: what a hook changes in them is the run's.
  const apply = (changes: HookChanges, target: JsonObject, state: unknown) => {
    const { context } = environment;
    applyChanges(context.configuration, changes.configuration);
    applyChanges(context.secrets, changes.secrets);
    applyChanges(experiment, changes.experiment);
    applyChanges(target, changes.context);
    applyChanges(state, changes.state);
    if (changes.secrets?.length) options.addSecrets(context.secrets);
    if (changes.configuration?.length || changes.secrets?.length)
      context.scope = scopeOf(context.configuration, context.secrets);
  };

  const applyLevel = async (level: ControlLevel, scope: ControlScope, target: JsonObject, state: unknown) => {
    for (const control of contextControls(level, experiment, target, globals)) {
      if (control.scope && control.scope !== scope) continue;
      await call(control, hookName(level, scope), level, target, state);
    }
  };

  const onceByName = (controls: readonly JsonObject[]) => {
    const seen = new Set<unknown>();
    return controls.filter((control) => {
      if (!('name' in control) || seen.has(control.name)) return false;
      seen.add(control.name);
      return true;
    });
  };

  return {
    async configure() {
      const failedGlobals = new Set<JsonObject>();
      for (const control of globals) {
        await call(control, 'configure_control', 'lifecycle', experiment, null).catch(() =>
          failedGlobals.add(control),
        );
      }
      // chaoslib drops a global control whose configure_control fails.
      globals = globals.filter((control) => !failedGlobals.has(control));
      // chaoslib's initialize_controls hands the file's own controls no settings, only the global ones.
      for (const control of onceByName(declared)) {
        await call(control, 'configure_control', 'lifecycle', experiment, null, null).catch(() => undefined);
      }
    },
    before: (level, target) => applyLevel(level, 'before', target, null),
    after: (level, target, state) => applyLevel(level, 'after', target, state),
    async cleanup() {
      for (const control of [...onceByName(declared), ...globals]) {
        await call(control, 'cleanup_control', 'lifecycle', experiment, null).catch(() => undefined);
      }
      await Promise.all([...modules.values()].map((module) => module.stop?.()));
    },
  };
}

const noControls: ControlDispatcher = {
  configure: async () => undefined,
  before: async () => undefined,
  after: async () => undefined,
  cleanup: async () => undefined,
};

/**
 * chaoslib calls the loader hooks of global controls only: the file's own controls are read
 * with the file. A file control whose module has them is told so, not skipped in silence.
 */
function warnOfLoaderHooks(
  declared: readonly JsonObject[],
  globals: readonly JsonObject[],
  moduleOf: (control: JsonObject) => ControlModule | undefined,
  log: RunLog,
): void {
  const globalModules = new Set(globals.map(moduleKey));
  const warned = new Set<string | undefined>();
  for (const control of declared) {
    const key = moduleKey(control);
    if (globalModules.has(key) || warned.has(key)) continue;
    const hooks = LOADER_HOOKS.filter((hook) => moduleOf(control)?.has(hook));
    if (hooks.length === 0) continue;
    warned.add(key);
    log.warning(
      `Control '${String(control.name)}' has ${hooks.join(' and ')}, which chaos run calls for global controls only (the file is not loaded yet when they run): declare it in the settings file or a --control-file for them to run`,
    );
  }
}
