import type { Journal } from '../journal.js';

/** What a report says about faults a run left in place (the journal's `faults_left`). */
export function faultsLeft(faults: readonly string[]): string {
  const count = faults.length === 1 ? '1 fault' : `${faults.length} faults`;
  return `${count} this run injected may still be in place: ${faults.join('; ')}. "faultline rollback" undoes them.`;
}

/**
 * What a report says about the faults a halt made the run undo itself, and those it left alone
 * because someone had made them again: one line each, only for the lists the journal has.
 */
export function haltOutcomes(journal: Journal): { label: string; text: string }[] {
  const lines: { label: string; text: string }[] = [];
  if (journal.faults_undone_for_halt?.length) {
    lines.push({ label: 'Undone for the halt', text: journal.faults_undone_for_halt.join('; ') });
  }
  if (journal.faults_left_alone_for_halt?.length) {
    lines.push({
      label: 'Left alone by the halt',
      text: `${journal.faults_left_alone_for_halt.join('; ')}. Someone made these again under the same name; delete them yourself if they should go.`,
    });
  }
  return lines;
}
