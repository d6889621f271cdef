import { isObject, type Json, type JsonObject } from '../model/experiment.js';

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
/** `$$` (a literal dollar) or `${...}`: what Python's string.Template sees after a `$`. */
const BRACED = /\$(?:\$|\{([^{}]*)\})/g;

/**
 * chaos substitutes `${name}` only when the name is a Python string.Template identifier
 * (letters, digits, _, not starting with a digit); `${some-service}` is left as written, in
 * silence. faultline leaves it too, and names each one with where it is and what to write.
 */
export function unsubstitutableNames(experiment: JsonObject): string[] {
  const declared = declaredNames(experiment);
  const found: string[] = [];
  const note = (value: Json | undefined, where: string) => {
    for (const name of new Set(bracedNames(value).filter((name) => !NAME.test(name)))) {
      found.push(describe(name, where, declared));
    }
  };
  note(experiment.title, 'the title');
  const hypothesis = experiment['steady-state-hypothesis'];
  if (isObject(hypothesis)) eachActivity(hypothesis.probes, 'steady-state-hypothesis.probes', note);
  eachActivity(experiment.method, 'method', note);
  eachActivity(experiment.rollbacks, 'rollbacks', note);
  return found;
}

/**
 * chaos substitutes a tolerance only when it is a string (and a regex's `pattern`, a jsonpath's
 * `path` and `expect`): `${name}` in a list's items, a `target` or a jsonpath `count` stays the
 * text `${name}`, compared as such in silence (`[200, "${ok}"]` never holds for a status).
 * Each such place is named, with what to write instead.
 */
export function unsubstitutedTolerances(experiment: JsonObject): string[] {
  const found: string[] = [];
  const hypothesis = experiment['steady-state-hypothesis'];
  if (!isObject(hypothesis) || !Array.isArray(hypothesis.probes)) return found;
  hypothesis.probes.forEach((probe, index) => {
    if (!isObject(probe)) return;
    const name = typeof probe.name === 'string' ? ` ('${probe.name}')` : '';
    const where = `steady-state-hypothesis.probes[${index}]${name}.tolerance`;
    const tolerance = probe.tolerance;
    const places: Array<[Json | undefined, string]> = Array.isArray(tolerance)
      ? [[tolerance, where]]
      : isObject(tolerance) && tolerance.type !== 'probe'
        ? [
            [tolerance.target, `${where}.target`],
            [tolerance.count, `${where}.count`],
          ]
        : [];
    for (const [value, place] of places) {
      for (const placeholder of new Set(bracedNames(value).filter((each) => NAME.test(each)))) {
        found.push(
          `'\${${placeholder}}' in ${place} is not substituted, as in chaos: only a tolerance written as a string (a whole "\${name}" may hold a list), a regex pattern and a jsonpath path and expect are; the text '\${${placeholder}}' itself is compared`,
        );
      }
    }
  });
  return found;
}

function eachActivity(
  list: Json | undefined,
  where: string,
  note: (value: Json | undefined, where: string) => void,
): void {
  if (!Array.isArray(list)) return;
  list.forEach((activity, index) => {
    if (!isObject(activity) || 'ref' in activity) return;
    const label = `${where}[${index}]${typeof activity.name === 'string' ? ` ('${activity.name}')` : ''}`;
    note(activity.provider, `${label}.provider`);
    note(activity.pauses, `${label}.pauses`);
    note(activity.tolerance, `${label}.tolerance`);
  });
}

function bracedNames(value: Json | undefined): string[] {
  if (typeof value === 'string') {
    return [...value.matchAll(BRACED)].flatMap((match) => (match[1] === undefined ? [] : [match[1]]));
  }
  if (Array.isArray(value)) return value.flatMap(bracedNames);
  if (isObject(value)) return Object.values(value).flatMap(bracedNames);
  return [];
}

function declaredNames(experiment: JsonObject): Set<string> {
  const names = new Set(isObject(experiment.configuration) ? Object.keys(experiment.configuration) : []);
  if (isObject(experiment.secrets)) {
    for (const scope of Object.values(experiment.secrets)) {
      if (isObject(scope)) for (const key of Object.keys(scope)) names.add(key);
    }
  }
  return names;
}

function describe(name: string, where: string, declared: Set<string>): string {
  const text = `\${${name}}`;
  const base = `'${text}' in ${where} is left as written, not substituted: a name chaos substitutes is letters, digits and _ and does not start with a digit (Python's string.Template)`;
  if (!declared.has(name)) return base;
  const renamed = name.replace(/[^_a-zA-Z0-9]/g, '_').replace(/^(?=[0-9])/, '_');
  return `${base}; rename the key '${name}' to '${renamed}' and write \${${renamed}}`;
}
