import { closest } from '../model/closest-key.js';
import type { JsonObject } from '../model/experiment.js';

export { closest };

/**
 * The keys chaoslib 1.45 reads at each level of an experiment. Anything else is legal in Chaos
 * Toolkit (it ignores it), so faultline warns with the closest known key, or fails with --strict.
 */
export const KNOWN_KEYS = {
  experiment: [
    'version',
    'title',
    'description',
    'tags',
    'contributions',
    'configuration',
    'secrets',
    'extensions',
    'controls',
    'steady-state-hypothesis',
    'method',
    'rollbacks',
    'runtime',
    'dry',
  ],
  hypothesis: ['title', 'probes', 'controls'],
  activity: [
    'type',
    'name',
    'provider',
    'tolerance',
    'pauses',
    'background',
    'controls',
    'timeout',
    'configuration',
    'secrets',
    'dry',
  ],
  ref: ['ref'],
  /** chaoslib checks a hypothesis item's own `tolerance`, so a ref there carries one. */
  hypothesisRef: ['ref', 'tolerance'],
  /** chaosaddons' safeguards read a ref's own tolerance, frequency and background. */
  safeguardRef: ['ref', 'tolerance', 'frequency', 'background'],
  /** The arguments of the addons' controls that faultline runs natively (chaosaddons 0.x). */
  addonArguments: {
    'chaosaddons.controls.safeguards': ['probes', 'interrupt_after_activity'],
    'chaosaddons.controls.synchronization': [],
  } as Record<string, readonly string[]>,
  /** chaoslib 1.45 reads these of a control; `provider.secrets` is no longer read since 1.2x. */
  control: ['name', 'provider', 'scope', 'automatic', 'ref'],
  controlProvider: ['type', 'module', 'arguments'],
  pauses: ['before', 'after'],
  runtime: ['hypothesis', 'rollbacks'],
  strategy: ['strategy'],
  provider: {
    // `timeout` is read by neither, and named as such (ignored-keys), not as unknown.
    python: ['type', 'module', 'func', 'arguments', 'secrets', 'timeout'],
    process: ['type', 'path', 'arguments', 'timeout'],
    http: [
      'type',
      'url',
      'method',
      'headers',
      'arguments',
      'timeout',
      'verify_tls',
      'max_retries',
      'expected_status',
      'secrets',
    ],
    javascript: ['type', 'module', 'func', 'arguments', 'secrets', 'timeout'],
    faultline: ['type', 'module', 'func', 'arguments', 'secrets'],
  } as Record<string, string[]>,
  tolerance: {
    regex: ['type', 'pattern', 'target'],
    jsonpath: ['type', 'path', 'target', 'count', 'expect'],
    range: ['type', 'range', 'target'],
  } as Record<string, string[]>,
  envValue: ['type', 'key', 'default', 'env_var_type'],
  envSecret: ['type', 'key'],
  vaultSecret: ['type', 'path', 'key'],
} as const;

/** One key nobody reads, where it is, and the known key it most resembles. */
export interface UnknownKey {
  where: string;
  key: string;
  suggestion: string | undefined;
}

export function describeUnknownKey({ where, key, suggestion }: UnknownKey): string {
  const hint = suggestion ? `; did you mean '${suggestion}'?` : '';
  return `unknown key '${key}' in ${where} is not read by the runner${hint}`;
}

/** Keys of `value` that are not in `known`, each with the closest known key (if any is close). */
export function unknownKeys(value: JsonObject, known: readonly string[], where: string): UnknownKey[] {
  return Object.keys(value)
    .filter((key) => !known.includes(key))
    .map((key) => ({ where, key, suggestion: closest(key, known) }));
}
