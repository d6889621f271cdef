import { isObject, type Json } from '../model/experiment.js';

export const MASK = '***';

/** Shorter values are masked only where a whole string equals them: as substrings they would hit everything. */
const MIN_SUBSTRING = 4;

/**
 * Hides secret values in what the runner writes: journals, log lines and reports. Keys stay, so
 * a reader still sees which secret was used; only the value becomes "***". Chaos Toolkit
 * writes secrets in clear; faultline does not.
 */
export interface SecretMask {
  /** Adds every leaf value of a secrets object (scopes, nested objects) to what is hidden. */
  addSecrets(secrets: unknown): void;
  text(value: string): string;
  /** A deep copy with every secret value hidden, in strings and as whole values. */
  json<T>(value: T): T;
}

export function createSecretMask(): SecretMask {
  const values = new Set<string>();
  let ordered: string[] = [];
  const add = (value: unknown) => {
    if (typeof value !== 'string' && typeof value !== 'number') return;
    const text = String(value);
    if (text === '') return;
    values.add(text);
    const encoded = encodeURIComponent(text);
    if (encoded !== text) values.add(encoded);
    ordered = [...values].filter((item) => item.length >= MIN_SUBSTRING).sort((a, b) => b.length - a.length);
  };
  const addSecrets = (secrets: unknown): void => {
    if (Array.isArray(secrets)) secrets.forEach(addSecrets);
    else if (isObject(secrets)) {
      if (secrets.type === 'env' || secrets.type === 'vault') return;
      Object.values(secrets).forEach(addSecrets);
    } else add(secrets);
  };
  const text = (value: string): string => {
    if (values.has(value)) return MASK;
    let masked = value;
    for (const secret of ordered) if (masked.includes(secret)) masked = masked.split(secret).join(MASK);
    return masked;
  };
  const json = <T>(value: T): T => {
    if (typeof value === 'string') return text(value) as T;
    if (typeof value === 'number' && values.has(String(value))) return MASK as T;
    if (Array.isArray(value)) return value.map(json) as T;
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, json(item)])) as T;
    }
    return value;
  };
  return { addSecrets, text, json };
}

/** A journal from anywhere (chaos run writes secrets in clear): the values its experiment declares, hidden. */
export function maskDeclaredSecrets<T extends { experiment?: unknown }>(journal: T): T {
  const mask = createSecretMask();
  const experiment = journal.experiment as { secrets?: Json } | undefined;
  mask.addSecrets(experiment?.secrets);
  return mask.json(journal);
}
