import { apiRoot } from './api.js';
import { clockTime } from '../model/clock-time.js';
import type { Polled } from './use-poll.js';

/** A run as GET /runs lists it (registered by `faultline run --report-to`). */
export interface RunRecord {
  id: string;
  title: string;
  status: string;
  started_at: string;
  ended_at?: string;
  report?: string;
  journal?: string;
  /** Why the run was halted, once it was. */
  halted?: string;
  /** The steady state did not hold after the method (its status is still "completed"). */
  deviated?: boolean;
}

/** A fault the ledger holds that no rollback has undone yet (GET /ledger). */
export interface LedgerRecord {
  run: string;
  kind: string;
  what: string;
  since: string;
  /** Whether the run that recorded it is still alive. */
  running?: boolean;
}

/** The faults a ledger holds for a run that is still alive: its live faults, not left behind. */
function liveFaultsOf(ledger: Polled<LedgerRecord[]>, run: string): LedgerRecord[] {
  return ledger.state === 'ready'
    ? ledger.data.filter((entry) => entry.run === run && entry.running === true)
    : [];
}

export function Runs({ runs, ledger }: { runs: Polled<RunRecord[]>; ledger: Polled<LedgerRecord[]> }) {
  return (
    <section class="panel runs" aria-labelledby="runs-title">
      <h2 id="runs-title">Experiment runs</h2>
      <Status polled={runs} empty="No run has reported to this server (faultline run --report-to URL)." />
      {runs.state === 'ready' && runs.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Experiment</th>
              <th scope="col">Status</th>
              <th scope="col">Started</th>
              <th scope="col">Report</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.map((run) => (
              <tr key={run.id} data-run={run.id}>
                <td>
                  {run.title}
                  <FaultList class="live-faults" faults={liveFaultsOf(ledger, run.id)} showRun={false} />
                </td>
                <td>
                  <span class={`badge run-${run.status}`}>{run.status}</span>
                  {run.deviated === true ? (
                    <>
                      {' '}
                      <span class="badge run-deviated">deviated</span>
                    </>
                  ) : null}
                  {run.halted === undefined ? null : <small class="why"> {run.halted}</small>}
                </td>
                <td>
                  <time dateTime={run.started_at}>{clockTime(run.started_at, false)}</time>
                  {run.ended_at === undefined ? null : (
                    <>
                      {' – '}
                      <time dateTime={run.ended_at}>{clockTime(run.ended_at, false)}</time>
                    </>
                  )}
                </td>
                <td>
                  <ReportLink run={run} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

/** Links only to http(s) pages (the server's or another's); a file path is shown for copying. */
function ReportLink({ run }: { run: RunRecord }) {
  if (run.report === undefined) {
    if (run.journal === undefined) return <span class="empty">none yet</span>;
    return (
      <small>
        journal <code>{run.journal}</code>
      </small>
    );
  }
  const target = /^(https?:\/\/|\/)/i.test(run.report)
    ? new URL(run.report.replace(/^\//, ''), apiRoot)
    : undefined;
  if (target === undefined || !/^https?:$/.test(target.protocol)) return <code>{run.report}</code>;
  return (
    <a href={target.href} target="_blank" rel="noopener noreferrer">
      HTML report
    </a>
  );
}

/**
 * What the ledger holds for runs that ended: left behind. Faults of a run still alive are its
 * live faults, shown under the run when it registered here, else apart.
 */
export function Ledger({ ledger, runs }: { ledger: Polled<LedgerRecord[]>; runs: Polled<RunRecord[]> }) {
  const listed = new Set(runs.state === 'ready' ? runs.data.map((run) => run.id) : []);
  const entries = ledger.state === 'ready' ? ledger.data : [];
  const left = entries.filter((entry) => entry.running !== true);
  const liveElsewhere = entries.filter((entry) => entry.running === true && !listed.has(entry.run));
  const shown: Polled<LedgerRecord[]> = ledger.state === 'ready' ? { state: 'ready', data: left } : ledger;
  return (
    <section class="panel ledger" aria-labelledby="ledger-title">
      <h2 id="ledger-title">Left-behind faults</h2>
      <Status polled={shown} empty="None: every fault of a run that ended was undone." />
      <FaultList class="left-faults" faults={left} showRun={true} />
      {liveElsewhere.length > 0 ? (
        <>
          <h3>Live faults of runs still running (not registered here)</h3>
          <FaultList class="live-faults" faults={liveElsewhere} showRun={true} />
        </>
      ) : null}
    </section>
  );
}

function FaultList(props: { class: string; faults: LedgerRecord[]; showRun: boolean }) {
  if (props.faults.length === 0) return null;
  return (
    <ul class={props.class}>
      {props.faults.map((entry, index) => (
        <li key={`${entry.run}-${index}`}>
          <span class="badge">{entry.kind}</span> {entry.what}{' '}
          <small>
            {props.showRun
              ? `run ${entry.run}${entry.running === true ? ' (still running)' : ''}, `
              : 'live, '}
            since <time dateTime={entry.since}>{clockTime(entry.since)}</time>
          </small>
        </li>
      ))}
    </ul>
  );
}

function Status<T extends unknown[]>({ polled, empty }: { polled: Polled<T>; empty: string }) {
  if (polled.state === 'loading') return <p class="empty">Loading…</p>;
  if (polled.state === 'unavailable') return <p class="unavailable">Unavailable: {polled.why}.</p>;
  if (polled.state === 'failed') return <p class="error">Could not load: {polled.why}</p>;
  return polled.data.length === 0 ? <p class="empty">{empty}</p> : null;
}
