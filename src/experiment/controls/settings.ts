import { existsSync, readFileSync } from 'node:fs';
import { checkSettingsRuntime } from '../runtime-strategies.js';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { isObject, type JsonObject } from '../../model/experiment.js';
import { readFailure } from '../../model/read-failure.js';
import { InvalidExperiment } from '../errors.js';
import { describeUnknownKey, KNOWN_KEYS, unknownKeys } from '../known-keys.js';
import { safeLoad } from '../pyyaml-load.js';

/** Where `chaos run` reads its settings when --settings is not given. */
export const DEFAULT_SETTINGS_PATH = join(homedir(), '.chaostoolkit', 'settings.yaml');

/** The settings keys chaos reads; faultline acts on `controls` and `runtime`, and names the others. */
const SETTINGS_KEYS = ['controls', 'auths', 'notifications', 'runtime'];

export interface LoadedSettings {
  /** The path read, or undefined when the default file does not exist. */
  path: string | undefined;
  settings: JsonObject;
  /** `controls: {name: control}` as a list, each with its name, in the file's order. */
  globalControls: JsonObject[];
}

/**
 * Reads the settings file as `chaos run --settings` does: YAML (JSON is YAML too), its
 * `controls` mapping loaded as global controls. A missing default file means no settings; a
 * missing file named with --settings is an error. Keys faultline does not act on are warned of.
 */
export function loadSettings(path: string | undefined, warn: (message: string) => void): LoadedSettings {
  const target = path ?? DEFAULT_SETTINGS_PATH;
  if (!existsSync(target)) {
    if (path === undefined) return { path: undefined, settings: {}, globalControls: [] };
    throw new InvalidExperiment(`--settings ${path} does not exist: give the path of a settings YAML file`);
  }
  let text: string;
  try {
    text = readFileSync(target, 'utf8');
  } catch (error) {
    throw new InvalidExperiment(
      `Settings file ${target} cannot be read: ${readFailure(error)}; give the path of a settings YAML file`,
    );
  }
  let parsed: unknown;
  try {
    parsed = safeLoad(text, warn);
  } catch (error) {
    throw new InvalidExperiment(`Settings file ${target} is not valid YAML: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return { path: target, settings: {}, globalControls: [] };
  if (!isObject(parsed)) {
    throw new InvalidExperiment(
      `Settings file ${target} must be a mapping of keys, received ${JSON.stringify(parsed)}`,
    );
  }
  for (const key of Object.keys(parsed)) {
    if (!SETTINGS_KEYS.includes(key)) {
      warn(`unknown key '${key}' in settings file ${target} is not read by the runner`);
    } else if (key !== 'controls' && key !== 'runtime') {
      warn(
        `settings key '${key}' in ${target} is not acted on by faultline (it reads only 'controls' and 'runtime')`,
      );
    }
  }
  checkSettingsRuntime(parsed.runtime, `settings file ${target}`, warn);
  const globalControls = controlsOf(parsed.controls ?? {}, `settings file ${target}`, warn);
  return { path: target, settings: parsed, globalControls };
}

/**
 * `--control-file` (chaos run 1.14+): a JSON or YAML mapping `{name: control}` whose controls
 * are global, after the settings file's.
 */
export function loadControlFile(path: string, warn: (message: string) => void): JsonObject[] {
  if (!existsSync(path)) {
    throw new InvalidExperiment(
      `--control-file ${path} does not exist: give the path of a JSON or YAML file`,
    );
  }
  let parsed: unknown;
  try {
    parsed = safeLoad(readFileSync(path, 'utf8'), warn);
  } catch (error) {
    throw new InvalidExperiment(
      `Control file ${path} is not valid JSON or YAML: ${(error as Error).message}`,
    );
  }
  return controlsOf(parsed ?? {}, `control file ${path}`, warn);
}

/** A `{name: control}` mapping as a list of controls, each with its name; unknown keys are named. */
function controlsOf(mapping: unknown, where: string, warn: (message: string) => void): JsonObject[] {
  if (!isObject(mapping)) {
    throw new InvalidExperiment(
      `'controls' in ${where} must map control names to controls, received ${JSON.stringify(mapping)}`,
    );
  }
  return Object.entries(mapping).map(([name, control]) => {
    if (!isObject(control)) {
      throw new InvalidExperiment(
        `Global control '${name}' in ${where} must be a control object with a provider, received ${JSON.stringify(control)}`,
      );
    }
    for (const unknown of unknownKeys(control, KNOWN_KEYS.control, `global control '${name}'`)) {
      warn(describeUnknownKey(unknown));
    }
    if (isObject(control.provider)) {
      const label = `global control '${name}'.provider`;
      for (const unknown of unknownKeys(control.provider, KNOWN_KEYS.controlProvider, label)) {
        warn(describeUnknownKey(unknown));
      }
    }
    return { ...control, name };
  });
}
