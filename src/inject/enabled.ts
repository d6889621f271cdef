/**
 * In-process faults are off unless FAULTLINE_INJECT is set (1, true, on) or a call passes
 * `enabled: true`. The environment is read once, when this module loads, so a wrapped client
 * costs nothing when faults are off: `wrap` hands back the client itself.
 */
const fromEnvironment = ['1', 'true', 'on', 'yes'].includes(
  (process.env.FAULTLINE_INJECT ?? '').toLowerCase(),
);

export function faultsEnabled(override?: boolean): boolean {
  return override ?? fromEnvironment;
}
