import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InvalidExperiment } from './errors.js';

/** The experiment source could not be read (chaostoolkit's InvalidSource). */
export class InvalidSource extends Error {
  override readonly name = 'InvalidSource';
}

/** Reads an experiment from a .json/.yaml/.yml file or an http(s) URL. */
export async function loadExperiment(source: string): Promise<unknown> {
  if (/^https?:\/\//.test(source)) return fetchExperiment(source);
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

async function fetchExperiment(url: string): Promise<unknown> {
  const token = process.env.CHAOSTOOLKIT_LOADER_AUTH_BEARER_TOKEN;
  const response = await fetch(url, {
    headers: {
      Accept: 'application/json, application/x-yaml',
      ...(token ? { Authorization: `bearer ${token}` } : {}),
    },
  }).catch((error: Error) => {
    throw new InvalidSource(`Failed to fetch the experiment: ${error.message}`);
  });
  const text = await response.text();
  if (response.status !== 200) throw new InvalidSource(`Failed to fetch the experiment: ${text}`);
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
    throw new InvalidSource(`Failed parsing JSON experiment: ${(error as Error).message}`);
  }
}

function parseYamlExperiment(text: string): unknown {
  try {
    return parseYaml(text);
  } catch (error) {
    throw new InvalidSource(`Failed parsing YAML experiment: ${(error as Error).message}`);
  }
}
