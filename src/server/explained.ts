import type { ProxyProtocol } from '../model/protocol.js';
import type { ProxyJson, ToxicJson } from '../model/wire.js';
import { explainToxic, type ToxicSpec } from '../model/toxic.js';
import type { EngineProxy } from '../proxy/engine-proxy.js';
import { proxyJson, toxicJson } from './shapes.js';

type ExplainedToxicJson = ToxicJson & { explanation: string };

/** A toxic as the API shows it, with its explain() sentence as `explanation`. */
export function explainedToxicJson(toxic: ToxicSpec, protocol: ProxyProtocol): ExplainedToxicJson {
  return { ...toxicJson(toxic), explanation: explainToxic(toxic, protocol) };
}

/** A proxy as the API shows it, each toxic with its explain() sentence as `explanation`. */
export function explainedProxyJson(proxy: EngineProxy): ProxyJson & { toxics: ExplainedToxicJson[] } {
  return {
    ...proxyJson(proxy),
    toxics: proxy.toxics.map((toxic) => explainedToxicJson(toxic, proxy.protocol)),
  };
}

/** `?explain` asks for explanations; without it the body stays byte-identical to Toxiproxy's. */
export function wantsExplanations(url: string | undefined): boolean {
  return new URL(url ?? '/', 'http://localhost').searchParams.has('explain');
}
