import { FaultlineError } from './errors.js';

/**
 * Events, `faultCounts()` and the browser's counts tell faults apart by name, as Toxiproxy tells
 * a proxy's toxics apart (a second toxic under a name in use is refused with 409). Two faults under
 * one name would be counted as one, so a name given twice in one list is refused, naming both.
 * `place` says where the fault at an index was written ("fault 2", "FAULTLINE_FAULTS entry 3").
 */
export function refuseDuplicateNames(
  names: ReadonlyArray<string | undefined>,
  place: (index: number) => string,
): void {
  const first = new Map<string, number>();
  names.forEach((name, index) => {
    if (name === undefined) return;
    const earlier = first.get(name);
    if (earlier !== undefined)
      throw new FaultlineError(
        'FAULTLINE_ERR_INVALID_FIELD',
        `${place(index)}: the name "${name}" is already the name of ${place(earlier)}; events and faultCounts() tell faults apart by name, so give each fault its own name, or leave name out and faultline names it`,
      );
    first.set(name, index);
  });
}
