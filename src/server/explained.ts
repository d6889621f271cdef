import type { ProxyJson, ToxicJson } from '../model/wire.js';
import { explainToxic } from '../model/toxic.js';
import type { EngineProxy } from '../proxy/engine-proxy.js';
import { proxyJson } from './shapes.js';

/** A proxy as the API shows it, each toxic with its explain() sentence as `explanation`. */
export function explainedProxyJson(proxy: EngineProxy): ProxyJson & {
  toxics: Array<ToxicJson & { explanation: string }>;
} {
  const shown = proxyJson(proxy);
  return {
    ...shown,
    toxics: shown.toxics.map((toxic, index) => {
      const spec = proxy.toxics[index];
      return { ...toxic, explanation: spec === undefined ? '' : explainToxic(spec, proxy.protocol) };
    }),
  };
}

/** `?explain` asks for explanations; without it the body stays byte-identical to Toxiproxy's. */
export function wantsExplanations(url: string | undefined): boolean {
  return new URL(url ?? '/', 'http://localhost').searchParams.has('explain');
}
