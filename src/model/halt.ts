/**
 * What a halt reports, whether the server carried it out (POST /halt) or the CLI did from the
 * ledger alone. `kind` says where the fault lived: a toxic (or a disabled proxy) on the server,
 * a fault recorded in a run's ledger, a run that was interrupted, or the server itself (not reached).
 */
/** The longest reason POST /halt takes: it lands in journals and logs. */
export const HALT_REASON_MAX_LENGTH = 1000;

export type HaltKind = 'toxic' | 'ledger' | 'run' | 'server';

export interface HaltItem {
  kind: HaltKind;
  /** One sentence, for a person. */
  what: string;
}

export interface HaltOutcome {
  undone: HaltItem[];
  /**
   * Recorded faults left in place, with why: a proxy or toxic a run made that someone made again
   * under its name (by hand, another tool) is not the run's to remove. Neither undone nor failed.
   */
  left: HaltItem[];
  failed: HaltItem[];
}

/** A fault a run's ledger still records (GET /ledger). */
export interface LeftFault {
  /** The run that recorded it (its ledger's name). */
  run: string;
  /** The undo kind: remove-toxic, stop-process, remove-cgroup, ... */
  kind: string;
  what: string;
  /** When it was recorded (ISO 8601). */
  since: string;
  /** Whether the run that recorded it is still alive. */
  running: boolean;
}

/** Reads and undoes the ledger for the server, which never imports the runner (see design.md). */
export interface LedgerAccess {
  list(): Promise<LeftFault[]>;
  /**
   * Interrupts the runs that still write a ledger (all but `spare`, the pids the caller
   * interrupted itself), then undoes every fault left in every ledger. `reason` lands in the
   * journals of the runs it interrupts.
   */
  halt(options: { spare: readonly number[]; reason?: string }): Promise<HaltOutcome>;
}
