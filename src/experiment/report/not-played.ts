import type { Journal } from '../journal.js';

/**
 * The declared rollbacks the journal has no entry for, by name, in declared order: the rollbacks
 * were interrupted before them, or the strategy did not play them. A `ref` is the name of the
 * activity it refers to.
 */
export function rollbacksNotPlayed(journal: Journal): string[] {
  const declared = (journal.experiment as { rollbacks?: unknown }).rollbacks;
  if (!Array.isArray(declared)) return [];
  const played = journal.rollbacks.map((entry) => (entry.activity as { name?: unknown }).name);
  const left: string[] = [];
  for (const item of declared) {
    const name = nameOf(item);
    const at = played.indexOf(name);
    if (at === -1) left.push(name);
    else played.splice(at, 1);
  }
  return left;
}

function nameOf(item: unknown): string {
  if (typeof item !== 'object' || item === null) return String(item);
  const { ref, name } = item as { ref?: unknown; name?: unknown };
  return String(typeof ref === 'string' ? ref : name);
}
