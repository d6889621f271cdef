// A file's mutation score as Stryker counts it: detected (killed or timed out) out of the valid
// mutants (detected, survived and without coverage); ignored, compile-error and runtime-error
// mutants do not count.

/** @param {Array<{ status: string }>} mutants */
export function scoreOf(mutants) {
  const count = (status) => mutants.filter((mutant) => mutant.status === status).length;
  const detected = count('Killed') + count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const valid = detected + survived + noCoverage;
  return {
    mutants: mutants.length,
    detected,
    survived,
    noCoverage,
    ignored: count('Ignored'),
    score: valid === 0 ? 100 : (100 * detected) / valid,
  };
}
