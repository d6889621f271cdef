import type { ProxyProtocol } from '../model/protocol.js';
import type { ProxyJson, ToxicJson } from '../model/wire.js';
import { explainToxic, type ToxicSpec } from '../model/toxic.js';
import type { EngineProxy } from '../proxy/engine-proxy.js';
import { proxyJson, toxicJson } from './shapes.js';
import { FaultlineError } from '../model/errors.js';

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

const EXPLAIN_VALUES: Readonly<Record<string, boolean>> = {
  '': true,
  true: true,
  '1': true,
  false: false,
  '0': false,
};

/**
 * `?explain` (or `explain=true`, `explain=1`) asks for explanations; without it the body stays
 * byte-identical to Toxiproxy's. `explain=false` and `explain=0` leave them out, as written, and
 * any other value is refused rather than read as a yes.
 */
export function wantsExplanations(url: string | undefined): boolean {
  const written = new URL(url ?? '/', 'http://localhost').searchParams.getAll('explain');
  const answers = new Set(written.map((value) => EXPLAIN_VALUES[value]));
  if (answers.has(undefined) || answers.size > 1) {
    throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', 'invalid explain', {
      hint: `received ${written.map((value) => `explain=${value}`).join('&')}; ?explain (explain=true, explain=1) adds each toxic's explanation, explain=false or explain=0 leaves it out`,
    });
  }
  return answers.has(true);
}
