import type { Ledger } from '../model/ledger.js';
import { describeEntry, describeOutcome, leftAlone, leftByHalt, undoEach } from './rollback.js';

/**
 * What a halted run does once its rollbacks are over: undoes every fault its ledger still holds,
 * as the halt would undo it right after (halt mode: no fault added back), so the run's journal
 * says what happened to them, rather than listing them as left in place a moment before the halt
 * removes them. A proxy or toxic someone made again under its name is left in place, and listed
 * apart with why, never as undone. An undo that fails leaves its entry live, and the halt tries it again.
 */
export async function undoForHalt(
  ledger: Ledger,
): Promise<{ undone: string[]; left: string[]; failed: string[] }> {
  const undone: string[] = [];
  const left: string[] = [];
  const failed: string[] = [];
  await undoEach(ledger.live(), {
    mode: 'halt',
    // What the halt leaves (a lab) stays live: the journal lists it in faults_left.
    keep: leftByHalt,
    settle: (seq) => ledger.settle(seq),
    done: (entry, outcome) => {
      if (outcome.result === 'left') left.push(leftAlone(entry, outcome.note));
      else undone.push(describeOutcome(entry, outcome));
    },
    failed: (entry, error) =>
      failed.push(`could not undo ${describeEntry(entry)}: ${(error as Error).message}`),
  });
  return { undone, left, failed };
}
