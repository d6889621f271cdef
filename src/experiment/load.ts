import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fetchAnyPort } from '../net/fetch-any-port.js';
import { jsonDuplicateKey } from '../model/json-duplicate-key.js';
import { readFailure } from '../model/read-failure.js';
import { InvalidExperiment } from './errors.js';
import { bigIntegersInJson, bigIntegersWarning } from './big-integers.js';
import { safeLoad } from './pyyaml-load.js';

/** The experiment source could not be read (chaostoolkit's InvalidSource). */
export class InvalidSource extends Error {
  override readonly name = 'InvalidSource';
}

/** Reads an experiment from a .json/.yaml/.yml file or an http(s) URL. */
export interface LoadOptions {
  /** false: an https source's certificate is not checked (chaos run --no-verify-tls). */
  verifyTls?: boolean;
  /** Hears what was read but changed on the way (an integer too large to hold exactly). */
  warn?: (message: string) => void;
}

export async function loadExperiment(source: string, options: LoadOptions = {}): Promise<unknown> {
  const warn = options.warn ?? (() => undefined);
  if (/^https?:\/\//.test(source)) return fetchExperiment(source, options.verifyTls !== false, warn);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    throw new InvalidSource(`'${source.split(':')[0]}' is not a supported source scheme.`);
  }
  const extension = extname(source).toLowerCase();
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (error) {
    throw new InvalidSource(unreadable(source, error as NodeJS.ErrnoException));
  }
  if (text.includes('\u0000')) {
    // Parsed, its bytes would be echoed in the error's excerpt, to the terminal.
    throw new InvalidSource(
      `Path "${source}" is not a text file (it holds a NUL byte); give the experiment's JSON or YAML file.`,
    );
  }
  if (extension === '.json') return parseJson(text, warn);
  if (extension === '.yaml' || extension === '.yml') return parseYamlExperiment(text, warn);
  throw new InvalidExperiment('only files with json, yaml or yml extensions are supported');
}

/** chaos's words for a path that is not there; what the system said for one that is but cannot be read. */
function unreadable(source: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') return `Path "${source}" does not exist.`;
  if (error.code === 'EISDIR') return `Path "${source}" is a directory; give the experiment file in it.`;
  return `Path "${source}" cannot be read: ${readFailure(error)}.`;
}

async function fetchExperiment(
  url: string,
  verifyTls: boolean,
  warn: (message: string) => void,
): Promise<unknown> {
  const token = process.env.CHAOSTOOLKIT_LOADER_AUTH_BEARER_TOKEN;
  const response = await fetchAnyPort(url, {
    insecure: !verifyTls,
    headers: {
      Accept: 'application/json, application/x-yaml',
      ...(token ? { Authorization: `bearer ${token}` } : {}),
    },
  }).catch((error: Error) => {
    throw new InvalidSource(`Failed to fetch the experiment: ${error.message}`);
  });
  const text = await response.text();
  if (response.status !== 200) {
    // chaos says only the body; the status and the URL say what went wrong.
    const body = text.trim() ? `: ${text.trim().slice(0, 500)}` : ' (empty body)';
    throw new InvalidSource(
      `Failed to fetch the experiment: ${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${body}`,
    );
  }
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) return parseJson(text, warn);
  if (type.includes('yaml')) return parseYamlExperiment(text, warn);
  try {
    JSON.parse(text);
  } catch {
    return parseYamlExperiment(text, warn);
  }
  return parseJson(text, warn);
}

function parseJson(text: string, warn: (message: string) => void): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidSource(
      `Failed parsing JSON experiment: ${withLineAndColumn(text, (error as Error).message)}`,
    );
  }
  // chaos's json.load keeps the last of two equal keys, as JSON.parse does: the run reads what
  // chaos reads, and the first value, lost, is named.
  const duplicate = jsonDuplicateKey(text);
  if (duplicate)
    warn(
      `${duplicate} in the JSON experiment: only its last value is read, as chaos reads it; write each key once`,
    );
  const rounded = bigIntegersWarning('the JSON experiment', bigIntegersInJson(text));
  if (rounded) warn(rounded);
  return value;
}

/** V8 names the offset of a JSON syntax error; people look for a line and a column. */
function withLineAndColumn(text: string, message: string): string {
  const position = /at position (\d+)/.exec(message);
  if (!position || /line \d+ column \d+/.test(message)) return message;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}

function parseYamlExperiment(text: string, warn: (message: string) => void): unknown {
  try {
    return safeLoad(text, warn);
  } catch (error) {
    const message = (error as Error).message;
    const hint = flowPlaceholderHint(text, message);
    throw new InvalidSource(
      `Failed parsing YAML experiment: ${hint ? `${message.trimEnd()}\n${hint}` : message}`,
    );
  }
}

/** `[${a}, x]`: in a flow collection `{` opens a mapping, so YAML (PyYAML too) stops there (chaostoolkit#292). */
function flowPlaceholderHint(text: string, message: string): string {
  const at = /at line (\d+), column (\d+)/.exec(message);
  if (!at) return '';
  const line = text.split('\n')[Number(at[1]) - 1] ?? '';
  const column = Number(at[2]);
  if (line[column - 2] !== '$' || line[column - 1] !== '{') return '';
  return "a ${name} inside [...] or {...} must be quoted, '${name}', as chaos's PyYAML needs it too";
}
