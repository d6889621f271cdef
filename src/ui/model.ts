import { type AttributeSpec, definitionOf, isToxicType, toxicTypes } from '../model/toxics/index.js';
import type { ProxyJson, ToxicJson } from '../model/wire.js';

/** A toxic as GET /proxies?explain sends it: with the server's explain() sentence. */
export type ExplainedToxic = ToxicJson & { explanation?: string };

/** A proxy as GET /proxies?explain sends it; `protocol` is absent for plain TCP proxies. */
export type DashboardProxy = Omit<ProxyJson, 'toxics'> & { protocol?: string; toxics: ExplainedToxic[] };

export { toxicTypes };

/** The toxic definitions (attributes, units, defaults) come from the model the server uses. */
export function attributesOf(type: string): readonly AttributeSpec[] {
  return isToxicType(type) ? definitionOf(type).attributes : [];
}

export function summaryOf(type: string): string {
  return isToxicType(type) ? definitionOf(type).summary : '';
}

export function explain(toxic: ExplainedToxic): string {
  return (
    toxic.explanation ?? `${toxic.name}: ${toxic.type} ${JSON.stringify(toxic.attributes)} (${toxic.stream})`
  );
}
