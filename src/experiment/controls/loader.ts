import type { JsonObject } from '../../model/experiment.js';
import type { RunLog } from '../console.js';
import { loadExperiment } from '../load.js';
import type { PythonRuntime } from '../python/interpreter.js';
import { applyChanges } from './changes.js';
import { argumentsOf, type ControlScope, LOADER_HOOKS } from './declaration.js';
import { invokeHook } from './invoke.js';
import { loadControlModules, moduleKey } from './load.js';
import type { ControlRecord } from './record.js';

export interface LoaderControlOptions {
  /** The settings file's and --control-file's controls: only global controls see the loading. */
  globals: readonly JsonObject[];
  settings: JsonObject | null;
  baseDirectory: string;
  /** The run's Python interpreter, so a loader hook's module globals are the run's. */
  python: PythonRuntime;
  log: RunLog;
  /** false: an https source's certificate is not checked (chaos run --no-verify-tls). */
  verifyTls?: boolean;
}

export interface LoadedExperiment {
  /** The experiment as parsed, with what after_loading_experiment_control changed in it. */
  document: unknown;
  /** The loader hooks called, for the journal's `controls`. */
  controls: ControlRecord[];
}

const HOOKS: Record<ControlScope, string> = { before: LOADER_HOOKS[0]!, after: LOADER_HOOKS[1]! };

/**
 * chaoslib's load_experiment wrapped in controls(level="loader"): each global control's
 * before_loading_experiment_control(context=source), then the file is read, then
 * after_loading_experiment_control(context=source, state=experiment), which may change the
 * experiment in place before it is validated and run. The after hooks run even when loading
 * failed or a before hook interrupted (with state None), as chaoslib's context manager does. As
 * there, no experiment, configuration or secrets exist yet: hooks that name them get None.
 * InterruptExecution from a hook stops here, before anything is validated or run.
 */
export async function loadExperimentWithControls(
  source: string,
  options: LoaderControlOptions,
): Promise<LoadedExperiment> {
  const controls: ControlRecord[] = [];
  const globals = options.globals.filter((control) => moduleKey(control) !== undefined);
  if (globals.length === 0)
    return {
      document: await loadExperiment(source, {
        verifyTls: options.verifyTls !== false,
        warn: (message) => options.log.warning(message),
      }),
      controls,
    };
  const modules = await loadControlModules(globals, options.baseDirectory, options.python, undefined);
  const signal = new AbortController().signal;
  const applyLoaderControls = async (scope: ControlScope, state: unknown) => {
    for (const control of globals) {
      if (control.scope && control.scope !== scope) continue;
      const module = modules.get(moduleKey(control)!);
      if (!module?.has(HOOKS[scope])) continue;
      await invokeHook({
        module,
        call: {
          hook: HOOKS[scope],
          control,
          arguments: structuredClone(argumentsOf(control)),
          context: source,
          state,
          experiment: null,
          configuration: null,
          secrets: null,
          settings: options.settings,
          signal,
        },
        level: 'loader',
        target: source,
        record: (record) => controls.push(record),
        apply: (changes) => applyChanges(state, changes.state),
        log: options.log,
      });
    }
  };
  let document: unknown = null;
  try {
    await applyLoaderControls('before', null);
    document = await loadExperiment(source, {
      verifyTls: options.verifyTls !== false,
      warn: (message) => options.log.warning(message),
    });
  } finally {
    await applyLoaderControls('after', document);
  }
  return { document, controls };
}
