import type { LedgerEntry, Undo } from '../model/ledger.js';
import type { LeftLedger } from './ledger.js';
import { sameServer } from './ledger-forget.js';

/**
 * A fault a run left behind that a later run made again. A proxy, toxic, cgroup, lab, limit or
 * delay of a name is refused while one exists, and pausing a paused process records nothing, so a
 * later run's record of the same thing proves the earlier one was gone in between (removed by
 * hand, its server restarted). Undoing the earlier entry then would undo the later run's fault:
 * delete its proxy, resume its process, remove its cgroup, while it runs.
 */
export function supersededBy(entry: LedgerEntry, others: readonly LeftLedger[]): string | undefined {
  for (const other of others)
    for (const later of other.entries)
      if (later.time > entry.time && sameServerOf(entry, later) && remakes(later.undo, entry.undo))
        return `run ${other.header.run} made it again at ${later.time}, so this run's was gone by then; that run's own ledger undoes it`;
  return undefined;
}

function sameServerOf(a: LedgerEntry, b: LedgerEntry): boolean {
  if (a.server === undefined || b.server === undefined) return a.server === b.server;
  return sameServer(a.server, b.server);
}

/** Whether making `later` required what `earlier` undoes to be gone already. */
function remakes(later: Undo, earlier: Undo): boolean {
  switch (earlier.kind) {
    case 'delete-proxy':
      return later.kind === 'delete-proxy' && later.proxy === earlier.proxy;
    case 'remove-toxic':
      // A toxic goes with its proxy: a later run that created the proxy found none of its toxics.
      return (
        (later.kind === 'remove-toxic' && later.proxy === earlier.proxy && later.toxic === earlier.toxic) ||
        (later.kind === 'delete-proxy' && later.proxy === earlier.proxy)
      );
    case 'resume-process':
      return (
        later.kind === 'resume-process' &&
        later.process.pid === earlier.process.pid &&
        later.process.startTime === earlier.process.startTime
      );
    case 'remove-cgroup':
      return later.kind === 'remove-cgroup' && later.cgroup === earlier.cgroup;
    case 'remove-limit':
    case 'remove-delay':
      // A host takes one limit or one delay: either one, recorded later, found the host's queue free.
      return (
        labMadeAgain(later, earlier.lab) ||
        ((later.kind === 'remove-limit' || later.kind === 'remove-delay') &&
          later.lab === earlier.lab &&
          later.host === earlier.host)
      );
    case 'remove-partition':
      return labMadeAgain(later, earlier.lab);
    case 'destroy-lab':
      return labMadeAgain(later, earlier.lab);
    default:
      // Chained changes (a proxy or toxic updated, a proxy deleted), processes faultline started
      // and files have no name a later run could take again.
      return false;
  }
}

/** A lab is refused while any of its namespaces is there: one created later is a new lab. */
function labMadeAgain(later: Undo, lab: string): boolean {
  return later.kind === 'destroy-lab' && later.lab === lab;
}
