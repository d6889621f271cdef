import { isObject, type Json, type JsonObject } from '../model/experiment.js';
import { closest } from '../model/closest-key.js';

/**
 * `provider.secrets` lists scopes of the experiment's `secrets`, whose keys the function is
 * given. A scope the experiment does not declare (a typo, a scope renamed) gives it nothing: chaos
 * run passes an empty mapping in silence, and the function fails later, far from the cause. Each
 * such name, and a `secrets` that is not a list of names, is reported with where it is.
 */
export function secretScopeProblems(experiment: JsonObject): string[] {
  const declared = isObject(experiment.secrets) ? Object.keys(experiment.secrets) : [];
  const problems: string[] = [];
  const visit = (activity: Json | undefined, where: string) => {
    if (!isObject(activity) || 'ref' in activity) return;
    const label = typeof activity.name === 'string' ? `${where} ('${activity.name}')` : where;
    const provider = activity.provider;
    if (isObject(provider) && 'secrets' in provider)
      problems.push(...scopeProblems(provider.secrets, label, declared));
    if (isObject(activity.tolerance) && activity.tolerance.type === 'probe')
      visit(activity.tolerance, `${label}.tolerance`);
  };
  const hypothesis = experiment['steady-state-hypothesis'];
  if (isObject(hypothesis)) eachOf(hypothesis.probes, 'steady-state-hypothesis.probes', visit);
  eachOf(experiment.method, 'method', visit);
  eachOf(experiment.rollbacks, 'rollbacks', visit);
  if (isObject(experiment.configuration)) {
    for (const [key, value] of Object.entries(experiment.configuration))
      if (isObject(value) && value.type === 'probe') visit(value, `configuration.${key}`);
  }
  return problems;
}

function eachOf(list: Json | undefined, where: string, visit: (item: Json, where: string) => void): void {
  if (Array.isArray(list)) list.forEach((item, index) => visit(item, `${where}[${index}]`));
}

function scopeProblems(scopes: Json | undefined, label: string, declared: string[]): string[] {
  const choices =
    declared.length > 0 ? `declared: ${declared.join(', ')}` : 'the experiment declares no secrets';
  if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== 'string')) {
    return [
      `${label}.provider.secrets is ${JSON.stringify(scopes)}: it must be a list of names of the experiment's secrets scopes (${choices}), such as ["${declared[0] ?? 'scope'}"]`,
    ];
  }
  return (scopes as string[])
    .filter((scope) => !declared.includes(scope))
    .map((scope) => {
      const near = closest(scope, declared);
      return `${label}.provider.secrets names the scope '${scope}', which the experiment's secrets do not declare (${choices}${near ? `; did you mean '${near}'?` : ''}): the function gets no secrets from it (chaos run passes nothing from it either, in silence)`;
    });
}
