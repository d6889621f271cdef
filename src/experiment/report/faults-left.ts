/** What a report says about faults a run left in place (the journal's `faults_left`). */
export function faultsLeft(faults: readonly string[]): string {
  const count = faults.length === 1 ? '1 fault' : `${faults.length} faults`;
  return `${count} this run injected may still be in place: ${faults.join('; ')}. "faultline rollback" undoes them.`;
}
