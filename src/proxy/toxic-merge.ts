import { isDeepStrictEqual } from 'node:util';
import type { ToxicSpec } from '../model/toxic.js';

interface ToxicHolder {
  readonly toxics: readonly ToxicSpec[];
  addToxic(toxic: ToxicSpec): Promise<void>;
  updateToxic(toxic: ToxicSpec): Promise<void>;
  removeToxic(name: string): Promise<void>;
}

/**
 * Makes each toxic of `wanted` as it is listed: added when missing, changed in place when its
 * attributes or toxicity differ, made again when its type or stream does. A toxic that already
 * is as listed is not touched (its connections and counters go on), and toxics not listed stay.
 */
export async function mergeToxics(holder: ToxicHolder, wanted: readonly ToxicSpec[]): Promise<void> {
  for (const toxic of wanted) {
    const current = holder.toxics.find((candidate) => candidate.name === toxic.name);
    if (current === undefined) await holder.addToxic(toxic);
    else if (isDeepStrictEqual(current, toxic)) continue;
    else if (current.type === toxic.type && current.stream === toxic.stream) await holder.updateToxic(toxic);
    else {
      await holder.removeToxic(toxic.name);
      await holder.addToxic(toxic);
    }
  }
}
