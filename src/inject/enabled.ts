/**
 * The switch for every in-process fault: off unless FAULTLINE_INJECT is 1, true, on or yes, or a
 * call passes `enabled: true`. The environment is read once, when this module loads, so code that
 * keeps faultline in production pays nothing when it is off: `wrap` hands back the client itself,
 * the HTTP middleware passes every request on, and the register hook patches nothing.
 */
const fromEnvironment = ['1', 'true', 'on', 'yes'].includes(
  (process.env.FAULTLINE_INJECT ?? '').trim().toLowerCase(),
);

export function faultsEnabled(override?: boolean): boolean {
  return override ?? fromEnvironment;
}
