import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { duplicateKey } from '../config/yaml-duplicate-key.js';
import { fetchAnyPort } from '../net/fetch-any-port.js';
import { InvalidExperiment } from './errors.js';

/** The experiment source could not be read (chaostoolkit's InvalidSource). */
export class InvalidSource extends Error {
  override readonly name = 'InvalidSource';
}

/** Reads an experiment from a .json/.yaml/.yml file or an http(s) URL. */
export interface LoadOptions {
  /** false: an https source's certificate is not checked (chaos run --no-verify-tls). */
  verifyTls?: boolean;
}

export async function loadExperiment(source: string, options: LoadOptions = {}): Promise<unknown> {
  if (/^https?:\/\//.test(source)) return fetchExperiment(source, options.verifyTls !== false);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    throw new InvalidSource(`'${source.split(':')[0]}' is not a supported source scheme.`);
  }
  const extension = extname(source).toLowerCase();
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch {
    throw new InvalidSource(`Path "${source}" does not exist.`);
  }
  if (extension === '.json') return parseJson(text);
  if (extension === '.yaml' || extension === '.yml') return parseYamlExperiment(text);
  throw new InvalidExperiment('only files with json, yaml or yml extensions are supported');
}

async function fetchExperiment(url: string, verifyTls: boolean): Promise<unknown> {
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
  if (type.includes('json')) return parseJson(text);
  if (type.includes('yaml')) return parseYamlExperiment(text);
  try {
    return JSON.parse(text);
  } catch {
    return parseYamlExperiment(text);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidSource(
      `Failed parsing JSON experiment: ${withLineAndColumn(text, (error as Error).message)}`,
    );
  }
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

/**
 * YAML as chaostoolkit reads it (safe_load): a tag that is not standard YAML, such as
 * `!!python/object`, would construct arbitrary objects there and is refused here.
 */
function parseYamlExperiment(text: string): unknown {
  const document = parseDocument(text);
  const [error] = document.errors;
  if (error) {
    const key = duplicateKey(document, error, text);
    throw new InvalidSource(`Failed parsing YAML experiment: ${key ? `${key}: ` : ''}${error.message}`);
  }
  const unsafe = document.warnings.find((warning) => warning.code === 'TAG_RESOLVE_FAILED');
  if (unsafe) {
    const tag = /Unresolved tag: (\S+)/.exec(unsafe.message)?.[1] ?? 'unknown';
    const [line, column] = unsafe.linePos?.[0] ? [unsafe.linePos[0].line, unsafe.linePos[0].col] : ['?', '?'];
    throw new InvalidSource(
      `Failed parsing YAML experiment: could not determine a constructor for the tag '${tag}' at line ${line}, column ${column}. ` +
        'Experiments are read as safe YAML, as chaostoolkit does: remove the tag and write the value as plain YAML.',
    );
  }
  try {
    return document.toJS();
  } catch (error) {
    throw new InvalidSource(`Failed parsing YAML experiment: ${(error as Error).message}`);
  }
}
