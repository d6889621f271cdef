import { FaultlineError } from './errors.js';

/**
 * The `when` grammar of counted faults, as strace's `-e inject=…:when=EXPR` takes it: N (the Nth
 * call only), N+ (the Nth and every later one), N+S (the Nth and every Sth after it), N..M (from
 * the Nth to the Mth). Counts start at 1. Returns the test for one call's count.
 */
export function parseWhen(expression: string | undefined): (count: number) => boolean {
  if (expression === undefined) return () => true;
  const match = /^(\d+)(?:\.\.(\d+))?(?:(\+)(\d+)?)?$/.exec(expression.trim());
  if (!match || Number(match[1]) < 1) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `invalid when "${expression}": use N (only the Nth call), N+ (the Nth and later), N+S (every Sth from the Nth) or N..M`,
    );
  }
  const first = Number(match[1]);
  const last = match[2] ? Number(match[2]) : match[3] ? Number.POSITIVE_INFINITY : first;
  const step = match[4] ? Number(match[4]) : 1;
  if (step < 1 || last < first) {
    throw new FaultlineError(
      'FAULTLINE_ERR_INVALID_FIELD',
      `invalid when "${expression}": ${step < 1 ? 'the step after + must be 1 or more' : `${last} comes before ${first}`}`,
    );
  }
  return (count) => count >= first && count <= last && (count - first) % step === 0;
}
