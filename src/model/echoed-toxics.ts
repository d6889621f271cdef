import { isDeepStrictEqual } from 'node:util';
import { parseToxicCreate, type ToxicSpec } from './toxic.js';

/** Toxiproxy's clients send toxicity as a float32: 0.3 comes back as 0.30000001192092896. */
const FLOAT32_SLACK = 1e-6;

/**
 * The toxics a proxy update sent that are not the proxy's toxics, by name; empty when the update
 * sent none or echoed the proxy's own. A proxy update never changes toxics (Toxiproxy ignores
 * them, and its Go client's `Save()` echoes a list that may be stale), so a difference is only said,
 * never applied and never refused.
 */
export function toxicsNotApplied(body: unknown, current: readonly ToxicSpec[]): string[] {
  // Go matches JSON keys without regard to case, as the update itself was read.
  const sent = Object.entries(body ?? {}).find(([key]) => key.toLowerCase() === 'toxics')?.[1];
  if (!Array.isArray(sent)) return [];
  const differing = sent.flatMap((toxic: unknown, index) =>
    sameAsCurrent(toxic, current) ? [] : [nameOf(toxic) ?? `toxic ${index + 1}`],
  );
  const sentNames = new Set(sent.map(nameOf));
  const left = current.filter((toxic) => !sentNames.has(toxic.name)).map((toxic) => toxic.name);
  return [...differing, ...left];
}

function sameAsCurrent(sent: unknown, current: readonly ToxicSpec[]): boolean {
  let spec: ToxicSpec;
  try {
    spec = parseToxicCreate(sent);
  } catch {
    return false;
  }
  const twin = current.find((toxic) => toxic.name === spec.name);
  return (
    twin !== undefined &&
    twin.type === spec.type &&
    twin.stream === spec.stream &&
    Math.abs(twin.toxicity - spec.toxicity) <= FLOAT32_SLACK &&
    isDeepStrictEqual(twin.attributes, spec.attributes) &&
    isDeepStrictEqual(twin.match, spec.match) &&
    isDeepStrictEqual(twin.counter, spec.counter)
  );
}

function nameOf(toxic: unknown): string | undefined {
  const name = (toxic as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}
