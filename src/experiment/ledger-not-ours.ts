import { isDeepStrictEqual } from 'node:util';
import type { FaultlineClient } from '../client/index.js';
import { FaultlineApiError } from '../client/errors.js';
import type { ProxyUndo } from '../model/ledger.js';

/**
 * A proxy or toxic the run made that someone else made again under the same name (by hand, with
 * curl or toxiproxy-cli, or a server restarted with --config) is not the run's to delete. The
 * ledger records what the run made; when the server's differs, the undo leaves it alone and says
 * what differs. Entries from older versions record nothing to compare, and are undone as before.
 */

type Made = Extract<ProxyUndo, { kind: 'delete-proxy' | 'remove-toxic' }>;

/** Why what `step` would delete is not what the run made, or undefined when it is (or is gone). */
export async function notOursAnyMore(step: ProxyUndo, client: FaultlineClient): Promise<string | undefined> {
  if (!hasMade(step)) return undefined;
  try {
    if (step.kind === 'delete-proxy') {
      const now = await client.proxy(step.proxy);
      const differences = differ(
        { listen: now.listen, upstream: now.upstream, protocol: now.protocol ?? 'tcp' },
        { listen: step.made.listen, upstream: step.made.upstream, protocol: step.made.protocol ?? 'tcp' },
      );
      return differences.length === 0
        ? undefined
        : `proxy ${step.proxy} is not the one the run made (${differences.join(', ')}); delete it yourself if it should go`;
    }
    const now = await client.toxic(step.proxy, step.toxic);
    const { attributes, ...rest } = step.made;
    const differences = [
      ...differ({ type: now.type, stream: now.stream, toxicity: now.toxicity }, rest),
      ...differ(now.attributes as Record<string, unknown>, attributes),
    ];
    return differences.length === 0
      ? undefined
      : `toxic ${step.toxic} on proxy ${step.proxy} is not the one the run added (${differences.join(', ')}); remove it yourself if it should go`;
  } catch (error) {
    // Gone: the undo itself finds it gone and says so.
    if (error instanceof FaultlineApiError && error.status === 404) return undefined;
    throw error;
  }
}

function hasMade(step: ProxyUndo): step is Made & { made: NonNullable<Made['made']> } {
  return (step.kind === 'delete-proxy' || step.kind === 'remove-toxic') && step.made !== undefined;
}

/** "field now, was before" for each field that differs, in a stable order. */
function differ(now: Record<string, unknown>, was: Record<string, unknown>): string[] {
  const fields = [...new Set([...Object.keys(was), ...Object.keys(now)])].sort();
  return fields
    .filter((field) => !isDeepStrictEqual(now[field], was[field]))
    .map((field) => `${field} ${shown(now[field])}, was ${shown(was[field])}`);
}

function shown(value: unknown): string {
  if (value === undefined) return 'absent';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
