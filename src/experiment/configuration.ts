import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import { closest } from '../model/closest-key.js';
import { isObject, type Json, type JsonObject } from '../model/experiment.js';
import { type BigInteger, bigIntegersInJson, bigIntegersWarning } from './big-integers.js';
import { InvalidExperiment } from './errors.js';
import { safeLoad } from './pyyaml-load.js';
import { parsePythonJson } from './python/python-json.js';

export type Configuration = Record<string, unknown>;
export type Secrets = Record<string, Record<string, unknown>>;

/** Values given on the command line (--var) and in var files (--var-file). */
export interface Vars {
  configuration: Configuration;
  secrets: Secrets;
}

export const noVars = (): Vars => ({ configuration: {}, secrets: {} });

// What Python's int() and float() read: digits with single underscores between them, no 0x/0b/0o.
const DIGITS = String.raw`\d(?:_?\d)*`;
const PYTHON_INT = new RegExp(`^[-+]?${DIGITS}$`);
const PYTHON_FLOAT = new RegExp(
  `^[-+]?(?:(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][-+]?${DIGITS})?|inf(?:inity)?|nan)$`,
  'i',
);

/** convert_to_type: the types `env_var_type` and `--var name:type=value` accept. */
export function convertToType(type: string | undefined, value: string | null | undefined): unknown {
  if (value === null || value === undefined) return value;
  switch (type) {
    case undefined:
    case 'str':
    case 'string':
      return value;
    case 'int':
    case 'integer': {
      if (!PYTHON_INT.test(value.trim()))
        throw new Error(`invalid literal for int() with base 10: '${value}'`);
      return Number.parseInt(value.trim().replaceAll('_', ''), 10);
    }
    case 'float':
    case 'number': {
      const text = value.trim();
      if (!PYTHON_FLOAT.test(text)) throw new Error(`could not convert string to float: '${value}'`);
      if (/nan$/i.test(text)) return Number.NaN;
      if (/inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
      return Number(text.replaceAll('_', ''));
    }
    case 'bytes':
      return value;
    case 'bool':
      return !['false', '0', 'no'].includes(value.toLowerCase());
    case 'json':
      return value === '' ? value : pythonJson(value);
    default:
      throw new Error('variable type can only be: bool, str, int, float, bytes or json');
  }
}

/**
 * The integers beyond 2^53 in a text convertToType read as `type` (which it took): an `int` is one,
 * a `json` document may hold some. Python's int() and json.loads keep them exact; faultline rounds.
 */
export function bigIntegersOfText(type: string | undefined, value: string): BigInteger[] {
  if (type === 'json') return value === '' ? [] : bigIntegersInJson(value);
  if (type !== 'int' && type !== 'integer') return [];
  const source = value.trim().replaceAll('_', '');
  return Number.isSafeInteger(Number(source)) ? [] : [{ path: '', source: source.replace(/^\+/, '') }];
}

/** Parses one --var "name[:type]=value", and says whether it rounded an integer in it. */
export function parseVarWarning(text: string): string | undefined {
  const equals = text.indexOf('=');
  const key = text.slice(0, equals);
  const colon = key.lastIndexOf(':');
  if (equals < 0 || colon < 0) return undefined;
  return bigIntegersWarning(
    `--var ${key.slice(0, colon)}`,
    bigIntegersOfText(key.slice(colon + 1), text.slice(equals + 1)),
  );
}

/**
 * chaos converts a `bytes` value to Python bytes; a journal and faultline's values are JSON,
 * which holds none, so the value stays text. Said, not done in silence.
 */
export function bytesKeptAsText(where: string): string {
  return `${where} is typed bytes, which faultline keeps as text (JSON holds no bytes): a Python function gets a str where chaos hands it bytes, and an embedded \${...} renders the text, not chaos's b'...'`;
}

/** The configuration keys read from the environment as bytes, each named for a warning. */
export function bytesConfiguration(declared: JsonObject | undefined): string[] {
  return Object.entries(declared ?? {})
    .filter(([, value]) => isObject(value) && value.type === 'env' && value.env_var_type === 'bytes')
    .map(([key]) => bytesKeptAsText(`configuration '${key}'`));
}

/** Parses one --var "name[:type]=value". */
export function parseVar(text: string): [string, unknown] {
  const equals = text.indexOf('=');
  if (equals < 0)
    throw new Error(`not enough values to unpack (expected 2, got 1): "${text}" should be name[:type]=value`);
  // chaoslib's convert_vars: k.rsplit(":", 1), the type is after the last colon.
  const key = text.slice(0, equals);
  const colon = key.lastIndexOf(':');
  const [name, type] = colon < 0 ? [key, undefined] : [key.slice(0, colon), key.slice(colon + 1)];
  return [name, convertToType(type, text.slice(equals + 1))];
}

/**
 * Reads --var-file files in order: .json/.yaml/.yml hold {configuration, secrets}; anything else
 * is a .env file whose lines go into the environment. Unreadable files are reported and skipped,
 * as Chaos Toolkit does.
 */
/** What var files hold, and what in them is not read (named, for a warning or --strict). */
export interface VarFiles {
  vars: Vars;
  unread: string[];
}

export async function loadVarFiles(
  paths: readonly string[],
  warn: (message: string) => void,
): Promise<VarFiles> {
  const vars = noVars();
  const unread: string[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      warn(`Failed to load var file ${path}: ${(error as Error).message}`);
      continue;
    }
    const extension = extname(path).toLowerCase();
    if (['.json', '.yaml', '.yml'].includes(extension)) {
      let document: Json | undefined;
      try {
        document = (extension === '.json' ? JSON.parse(text) : safeLoad(text, warn)) as Json;
        const rounded =
          extension === '.json'
            ? bigIntegersWarning(`--var-file ${path}`, bigIntegersInJson(text))
            : undefined;
        if (rounded) warn(rounded);
      } catch (error) {
        warn(`Failed to parse var file ${path}: ${(error as Error).message}`);
        continue;
      }
      unread.push(...unreadInVarFile(document, path));
      if (!isObject(document)) continue;
      if (isObject(document.configuration)) Object.assign(vars.configuration, document.configuration);
      if (isObject(document.secrets)) Object.assign(vars.secrets, document.secrets);
      continue;
    }
    for (const [index, line] of text.split('\n').entries()) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      if (!trimmed.includes('=')) {
        unread.push(
          `--var-file ${path} line ${index + 1}: '${trimmed}' is not read: a .env line is NAME=VALUE (chaos run stops on it: not enough values to unpack)`,
        );
        continue;
      }
      const equals = trimmed.indexOf('=');
      process.env[trimmed.slice(0, equals).trim()] = trimmed
        .slice(equals + 1)
        .trim()
        .replace(/^(['"])(.*)\1$/, '$2');
    }
  }
  return { vars, unread };
}

const VAR_FILE_KEYS = ['configuration', 'secrets'];
const VAR_FILE_SHAPE = 'a var file holds configuration: {KEY: VALUE} and secrets: {SCOPE: {KEY: VALUE}}';

/** chaoslib reads `configuration` and `secrets` of a var file and nothing else. */
function unreadInVarFile(document: Json | undefined, path: string): string[] {
  if (document === null || document === undefined) return [];
  if (!isObject(document)) {
    return [
      `--var-file ${path} holds ${Array.isArray(document) ? 'a list' : JSON.stringify(document)}, which is not read: ${VAR_FILE_SHAPE}`,
    ];
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    if (VAR_FILE_KEYS.includes(key)) {
      if (!isObject(value))
        problems.push(
          `--var-file ${path}: '${key}' is ${JSON.stringify(value)}, not a mapping, and is not read: ${VAR_FILE_SHAPE}`,
        );
      continue;
    }
    const suggestion = closest(key, VAR_FILE_KEYS);
    problems.push(
      `--var-file ${path}: top-level key '${key}' is not read (${VAR_FILE_SHAPE}; chaos run ignores other keys too)` +
        (suggestion ? `; did you mean '${suggestion}'?` : `; to set it, write configuration: {${key}: ...}`),
    );
  }
  return problems;
}

/**
 * load_configuration: static values as they are; {"type":"env"} entries read the environment,
 * with default and env_var_type. Only keys the experiment declares can be overridden by vars.
 */
export function loadConfiguration(
  declared: JsonObject | undefined,
  overrides: Configuration = {},
  warn: (message: string) => void = () => undefined,
): Configuration {
  const configuration: Configuration = {};
  for (const [key, value] of Object.entries(declared ?? {})) {
    const effective = Object.hasOwn(overrides, key) ? overrides[key] : value;
    if (isObject(effective) && effective.type === 'env') {
      const name = envKeyOf(effective, `configuration '${key}'`);
      const fromEnv = process.env[name];
      if (fromEnv === undefined && !('default' in effective)) {
        throw new InvalidExperiment(
          `Configuration makes reference to an environment key that does not exist: ${name}`,
        );
      }
      const type = effective.env_var_type as string | undefined;
      try {
        configuration[key] =
          fromEnv === undefined ? convertDefault(type, effective.default) : convertToType(type, fromEnv);
        const text = fromEnv ?? (typeof effective.default === 'string' ? effective.default : undefined);
        const rounded =
          text === undefined
            ? undefined
            : bigIntegersWarning(
                `configuration '${key}' (${fromEnv === undefined ? 'the default of' : 'the environment variable'} ${name}, read as ${String(type)})`,
                bigIntegersOfText(type, text),
              );
        if (rounded) warn(rounded);
      } catch (error) {
        // chaos prints Python's words alone; they are kept, then what to look at.
        const source =
          fromEnv === undefined
            ? `the default of ${name}, which is unset,`
            : `the environment variable ${name}`;
        throw new InvalidExperiment(
          `${(error as Error).message} (configuration '${key}' reads ${source} as env_var_type ${String(type)})`,
        );
      }
    } else configuration[key] = effective;
  }
  return configuration;
}

/**
 * chaoslib hands the default to convert_to_type as it does the variable's value, so
 * `"default": "5", "env_var_type": "int"` is the number 5. A default that is not text is kept,
 * except that `int` truncates a number as Python's int() does (where chaoslib would crash on a
 * boolean or an object given to bool, bytes or json, faultline keeps the value).
 */
function convertDefault(type: string | undefined, value: Json | undefined): unknown {
  if (typeof value === 'string') return convertToType(type, value);
  if (typeof value === 'number' && (type === 'int' || type === 'integer')) return Math.trunc(value);
  return value;
}

/** load_secrets: plain values, {"type":"env"} lookups, nested plain objects; vars replace whole scopes. Vault values are left to resolveVaultSecrets. */
export function loadSecrets(declared: JsonObject | undefined, overrides: Secrets = {}): Secrets {
  const secrets: Secrets = {};
  for (const [scope, values] of Object.entries(declared ?? {})) {
    const effective = Object.hasOwn(overrides, scope) ? (overrides[scope] as Json) : values;
    secrets[scope] = loadSecretScope(isObject(effective) ? effective : {});
  }
  return secrets;
}

/** The variable an `env` value names; without one, the error says so rather than "undefined". */
function envKeyOf(value: JsonObject, what: string): string {
  if (value.key === undefined || value.key === null || value.key === '') {
    throw new InvalidExperiment(
      `${what} is read from an environment variable ("type": "env") but names none: add "key": "VARIABLE_NAME"`,
    );
  }
  return String(value.key);
}

function loadSecretScope(values: JsonObject, topLevel = true): Record<string, unknown> {
  const scope: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (isObject(value) && value.type === 'env') {
      const name = envKeyOf(value, `secret '${key}'`);
      if (process.env[name] === undefined) {
        throw new InvalidExperiment(
          `Secrets make reference to an environment key that does not exist: ${name}`,
        );
      }
      scope[key] = process.env[name];
    } else if (isObject(value) && value.type === 'vault' && topLevel) {
      continue; // read over Vault's HTTP API at run start (vault.ts)
    } else scope[key] = isObject(value) ? loadSecretScope(value, false) : value;
  }
  return scope;
}

/** Python's json.loads, which reads NaN, Infinity and -Infinity too; a value it refuses is named. */
function pythonJson(value: string): unknown {
  try {
    return parsePythonJson(value);
  } catch (error) {
    throw new Error(
      `'${value}' is not JSON (${(error as Error).message}): a json value is a JSON document such as 5, true, "text", [1, 2] or {"a": 1}; drop :json to pass the text as it is`,
    );
  }
}
