import { nodeCrypto } from './lazy-crypto.js';

/** How a registered run ended, as its journal says, or how the server lost it. */
export const endStatuses = ['completed', 'failed', 'aborted', 'interrupted'] as const;
export type EndStatus = (typeof endStatuses)[number];
/** `halting`: halt was sent and the run plays its rollbacks; `lost`: its connection closed before it said how it ended. */
export type RunStatus = 'running' | 'halting' | EndStatus | 'lost';

/** A run as GET /runs shows it. */
export interface RunRecord {
  id: string;
  title: string;
  status: RunStatus;
  started_at: string;
  ended_at?: string;
  /** The HTML report, a URL or a path on the run's machine. */
  report?: string;
  /** The journal's path on the run's machine. */
  journal?: string;
  /** The runner's process id, on the run's machine. */
  pid?: number;
  /** Why it was halted, once it was. */
  halted?: string;
  /** The steady state deviated after the method: the journal's `deviated`, beside a "completed". */
  deviated?: true;
  /** The run's rollback strategy; with "never" a halt interrupts it but no rollback plays. */
  rollback_strategy?: string;
}

export interface NewRun {
  /** The run's own id (its ledger's name); without it the registry makes one. */
  id?: string;
  title: string;
  pid?: number;
  journal?: string;
  report?: string;
  rollback_strategy?: string;
}

export interface RunEnd {
  status: EndStatus;
  deviated?: boolean;
  journal?: string;
  report?: string;
}

/** The open connection a run holds; halt reaches the run through it. */
export interface RunConnection {
  halt(reason: string): void;
  /**
   * The run's pid, when the server saw it is a process of the user whose connection registered
   * it: only that pid is spared the ledger's SIGINT when halt interrupts the run itself.
   */
  readonly verifiedPid?: number;
}

export interface HaltedRun {
  record: RunRecord;
  /** See RunConnection.verifiedPid. */
  verifiedPid?: number;
  /** Settles when the run says how it ended, or its connection closes. */
  ended: Promise<void>;
}

/**
 * The runs that registered with this server (faultline run --report-to). A record lives as long
 * as the server; the newest KEEP_ENDED ended ones are kept for the dashboard.
 */
export interface RunRegistry {
  register(run: NewRun, connection: RunConnection): RunRecord;
  end(id: string, end: RunEnd): RunRecord | undefined;
  /** The connection closed: a run that had not said how it ended is lost. */
  disconnected(id: string): void;
  get(id: string): RunRecord | undefined;
  list(): RunRecord[];
  /** Sends halt to every live run; returns them with a promise of their end. */
  haltAll(reason: string): HaltedRun[];
}

const KEEP_ENDED = 200;

export function createRunRegistry(now: () => Date = () => new Date()): RunRegistry {
  const records = new Map<string, RunRecord>();
  const live = new Map<string, { connection: RunConnection; ended: Promise<void>; finish: () => void }>();

  const finish = (id: string) => {
    live.get(id)?.finish();
    live.delete(id);
    const ended = [...records.values()].filter((record) => !live.has(record.id));
    for (const old of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED))) records.delete(old.id);
  };

  return {
    register(run, connection) {
      const record: RunRecord = {
        id:
          run.id ??
          `${now().toISOString().replace(/[:.]/g, '-')}-${nodeCrypto().randomBytes(3).toString('hex')}`,
        title: run.title,
        status: 'running',
        started_at: now().toISOString(),
        ...(run.pid === undefined ? {} : { pid: run.pid }),
        ...(run.journal === undefined ? {} : { journal: run.journal }),
        ...(run.report === undefined ? {} : { report: run.report }),
        ...(run.rollback_strategy === undefined ? {} : { rollback_strategy: run.rollback_strategy }),
      };
      let resolve!: () => void;
      const ended = new Promise<void>((done) => (resolve = done));
      records.set(record.id, record);
      live.set(record.id, { connection, ended, finish: resolve });
      return record;
    },
    end(id, end) {
      const record = records.get(id);
      if (!record || !live.has(id)) return record;
      record.status = end.status;
      record.ended_at = now().toISOString();
      if (end.deviated === true) record.deviated = true;
      if (end.journal !== undefined) record.journal = end.journal;
      if (end.report !== undefined) record.report = end.report;
      finish(id);
      return record;
    },
    disconnected(id) {
      const record = records.get(id);
      if (!record || !live.has(id)) return;
      record.status = 'lost';
      record.ended_at = now().toISOString();
      finish(id);
    },
    get: (id) => records.get(id),
    list: () => [...records.values()],
    haltAll(reason) {
      return [...live.entries()].map(([id, run]) => {
        const record = records.get(id)!;
        if (record.status === 'running') {
          record.status = 'halting';
          record.halted = reason;
          run.connection.halt(reason);
        }
        const { verifiedPid } = run.connection;
        return { record, ended: run.ended, ...(verifiedPid === undefined ? {} : { verifiedPid }) };
      });
    },
  };
}
