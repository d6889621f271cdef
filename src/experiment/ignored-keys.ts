import { isObject, type JsonObject } from '../model/experiment.js';

/**
 * Where an activity is written decides what is read of it: a tolerance is checked on a hypothesis
 * probe and on a safeguard probe (chaosaddons.controls.safeguards), `background` is read on a
 * safeguard probe and in the method.
 */
export type ActivityRole = 'hypothesis probe' | 'safeguard probe' | 'activity';

/**
 * Keys chaos run accepts and then does not act on (documented, or read elsewhere): faultline does
 * not act on them either, so each is named with what to write instead.
 */
export function ignoredKeys(activity: JsonObject, where: string, role: ActivityRole): string[] {
  const notes: string[] = [];
  const provider = isObject(activity.provider) ? activity.provider : {};
  if (provider.type === 'http' && 'expected_status' in provider) {
    notes.push(
      `'expected_status' in ${where}.provider is ignored (chaos run ignores it too, since chaoslib 0.9.1): check the status with a tolerance in the hypothesis, e.g. {"type": "range", "range": [200, 299], "target": "status"}`,
    );
  }
  if (provider.type === 'python' && 'timeout' in provider) {
    notes.push(
      `'timeout' in ${where}.provider is ignored (chaos run ignores it too: a Python activity has no timeout, the function is waited for): bound the wait inside the function, or the run with --max-duration`,
    );
  }
  if ('timeout' in activity) {
    notes.push(
      `'timeout' on ${where} itself is ignored (chaos run ignores it too): put it in the provider, as provider.timeout (process, http, javascript)`,
    );
  }
  if ('dry' in activity) {
    notes.push(
      `'dry' on ${where} is ignored (chaos run reads it only when Python code sets it; from a file it even cancels --dry for this activity, which faultline keeps dry): use --dry=actions|probes|activities|pause for the whole run`,
    );
  }
  if ('configuration' in activity) {
    notes.push(
      `'configuration' on ${where} is ignored (the spec shows it; chaos run does not read it): declare these keys in the experiment's top-level configuration`,
    );
  }
  if ('secrets' in activity) {
    notes.push(
      `'secrets' on ${where} is ignored (the spec shows it; chaos run does not read it): list the scopes in provider.secrets of a Python or JavaScript activity; \${name} substitution sees every scope anyway`,
    );
  }
  if (role === 'activity' && activity.type === 'probe' && 'tolerance' in activity) {
    notes.push(
      `'tolerance' on ${where} is not checked (chaos run checks tolerances only in the steady-state hypothesis and in safeguard probes): move the probe to the hypothesis, or use --fail-fast with a continuous hypothesis`,
    );
  }
  if (role === 'hypothesis probe' && activity.background === true) {
    notes.push(
      `'background' on ${where} is ignored (chaos run ignores it too): hypothesis probes run one after the other`,
    );
  }
  return notes;
}
