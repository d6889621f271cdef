import { sameJson } from './same-json.js';
import { type ToxicSpec, wireAttributes } from './toxic.js';

/** Whether two toxics are the same as the API shows them: an update from one to the other changed nothing. */
export function sameToxic(a: ToxicSpec, b: ToxicSpec): boolean {
  return sameJson(shown(a), shown(b));
}

function shown(toxic: ToxicSpec): unknown {
  const { name, type, stream, toxicity } = toxic;
  // Through JSON, as the API sends it: an attribute set to undefined is no attribute.
  return JSON.parse(JSON.stringify({ name, type, stream, toxicity, attributes: wireAttributes(toxic) }));
}
