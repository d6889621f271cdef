import {
  type HypothesisStrategy,
  hypothesisStrategies,
  isObject,
  type Json,
  type RollbackStrategy,
  rollbackStrategies,
} from '../model/experiment.js';
import { InvalidExperiment } from './errors.js';
import { describeUnknownKey, KNOWN_KEYS, unknownKeys } from './known-keys.js';

export interface Strategies {
  hypothesis: HypothesisStrategy;
  rollbacks: RollbackStrategy;
}

type Phase = 'hypothesis' | 'rollbacks';

/**
 * The strategies as chaos run 1.19 picks them: the settings file's `runtime`, replaced by the
 * experiment's `runtime` when it has one (a strategy that block leaves out is "default", not
 * the settings' one, as chaos run does), and a command-line flag over both. An empty `runtime: {}`
 * is no block: chaos run tests the block's truth, so the settings still apply.
 */
export function pickStrategies(
  flags: Partial<Strategies>,
  experimentRuntime: Json | undefined,
  settingsRuntime: Json | undefined,
): Strategies {
  const source =
    isObject(experimentRuntime) && Object.keys(experimentRuntime).length > 0
      ? experimentRuntime
      : settingsRuntime;
  const fromRuntime = (phase: Phase): string => {
    const block = isObject(source) ? source[phase] : undefined;
    return isObject(block) && typeof block.strategy === 'string' ? block.strategy : 'default';
  };
  return {
    hypothesis: flags.hypothesis ?? (fromRuntime('hypothesis') as HypothesisStrategy),
    rollbacks: flags.rollbacks ?? (fromRuntime('rollbacks') as RollbackStrategy),
  };
}

/** The settings file's `runtime`: its strategies must be ones chaos knows; other keys are named. */
export function checkSettingsRuntime(
  runtime: Json | undefined,
  where: string,
  warn: (message: string) => void,
): void {
  if (runtime === undefined || runtime === null) return;
  if (!isObject(runtime)) {
    throw new InvalidExperiment(`runtime in ${where} must be a mapping, received ${JSON.stringify(runtime)}`);
  }
  for (const unknown of unknownKeys(runtime, KNOWN_KEYS.runtime, `runtime of ${where}`))
    warn(describeUnknownKey(unknown));
  const choices: Record<Phase, readonly string[]> = {
    hypothesis: hypothesisStrategies,
    rollbacks: rollbackStrategies,
  };
  for (const phase of ['hypothesis', 'rollbacks'] as const) {
    const block = runtime[phase];
    if (block === undefined || block === null) continue;
    if (!isObject(block)) {
      throw new InvalidExperiment(
        `runtime.${phase} in ${where} must be a mapping with a 'strategy', received ${JSON.stringify(block)}`,
      );
    }
    for (const unknown of unknownKeys(block, KNOWN_KEYS.strategy, `runtime.${phase} of ${where}`))
      warn(describeUnknownKey(unknown));
    if (block.strategy !== undefined && !choices[phase].includes(String(block.strategy))) {
      throw new InvalidExperiment(
        `runtime.${phase}.strategy in ${where} must be one of ${choices[phase].join(', ')}, received ${JSON.stringify(block.strategy)}`,
      );
    }
  }
}
