import type { HookCall } from './module.js';

/** What chaoslib hands a hook besides its arguments; configure_control gets no context or state. */
export function hookValues(call: HookCall): Record<string, unknown> {
  const values: Record<string, unknown> = {
    configuration: call.configuration,
    secrets: call.secrets,
    experiment: call.experiment,
    extensions: call.experiment.extensions ?? null,
    settings: call.settings,
  };
  if (call.hook !== 'configure_control') {
    values.context = call.context;
    values.state = call.state ?? null;
  }
  return values;
}
