import { FaultlineError } from '../model/errors.js';
import type { ProxySpec } from '../model/proxy-spec.js';
import { type Engine, PopulateError } from '../proxy/engine.js';
import type { EngineProxy } from '../proxy/engine-proxy.js';

/**
 * Creates the proxies (and their toxics) of a config file, as `faultline server --config` and
 * startServer({ config }) do; returns them. A proxy that cannot be made is named with the file.
 */
export async function populateFromFile(engine: Engine, file: string): Promise<EngineProxy[]> {
  // The YAML parser is loaded only when there is a file to read.
  const { loadConfigFile } = await import('../config/config-file.js');
  const specs = await loadConfigFile(file);
  const proxies = await engine.populate(specs).catch((error: unknown) => {
    throw error instanceof PopulateError ? inConfig(error, file, specs) : error;
  });
  return proxies;
}

function inConfig(error: PopulateError, file: string, specs: readonly ProxySpec[]): FaultlineError {
  const failed = specs[error.applied.length]!;
  return new FaultlineError(
    error.code,
    `config file ${file}: proxy ${JSON.stringify(failed.name)} (proxy ${error.applied.length + 1} of ${specs.length}): ${error.reason}`,
    error.hint === undefined ? {} : { hint: error.hint },
  );
}
