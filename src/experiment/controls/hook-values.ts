import type { Change } from './changes.js';
import type { HookCall, HookChanges } from './module.js';

/** What chaoslib hands a hook besides its arguments; configure_control gets no context or state. */
export function hookValues(call: HookCall): Record<string, unknown> {
  const values: Record<string, unknown> = {
    configuration: call.configuration,
    secrets: call.secrets,
    experiment: call.experiment,
    extensions: call.experiment?.extensions ?? null,
    settings: call.settings,
  };
  if (call.hook !== 'configure_control') {
    values.context = call.context;
    values.state = call.state ?? null;
  }
  return values;
}

/**
 * A hook's changes by the object it was handed. `extensions` is the experiment's own list in
 * chaoslib, so a change to it is a change to the experiment.
 */
export function sharedChanges(changes: Record<string, Change[]>): HookChanges {
  const { extensions, ...rest } = changes;
  if (!extensions?.length) return rest;
  const inExperiment = extensions.map((change) => ({ ...change, path: ['extensions', ...change.path] }));
  return { ...rest, experiment: [...(rest.experiment ?? []), ...inExperiment] };
}
