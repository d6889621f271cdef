import type { RunEntry } from './journal.js';

/**
 * chaoslib.exit: SIGUSR1 (exit_gracefully) and SIGUSR2 (exit_ungracefully) sent to the runner,
 * by an activity (the run's Python interpreter forwards them) or by any process. Both
 * interrupt the run; after SIGUSR2 no rollback plays, whatever the strategy.
 */
export type ExitSignal = 'SIGUSR1' | 'SIGUSR2';

export function exitReason(signal: ExitSignal): string {
  return signal === 'SIGUSR1'
    ? 'SIGUSR1 received (exit_gracefully, SystemExit 20): rollbacks play per the strategy'
    : 'SIGUSR2 received (exit_ungracefully, SystemExit 30): no rollback plays';
}

/** Listens while a run lasts; returns the function that stops listening. Unix only, as chaoslib. */
export function listenForExitSignals(onSignal: (signal: ExitSignal) => void): () => void {
  if (process.platform === 'win32') return () => undefined;
  const graceful = () => onSignal('SIGUSR1');
  const ungraceful = () => onSignal('SIGUSR2');
  process.on('SIGUSR1', graceful);
  process.on('SIGUSR2', ungraceful);
  return () => {
    process.off('SIGUSR1', graceful);
    process.off('SIGUSR2', ungraceful);
  };
}

/**
 * After SIGUSR2 chaoslib does not wait for background activities: it injects
 * ExperimentExitedException into their threads, so their run entries are "failed".
 */
export function failInterruptedBackground(entries: RunEntry[]): void {
  for (const entry of entries) {
    if (entry.activity.background !== true || entry.status !== undefined) continue;
    // The order of every failed entry: status and exception before end and duration.
    const { end, duration } = entry;
    delete entry.end;
    delete entry.duration;
    entry.status = 'failed';
    entry.exception = [
      'Traceback (most recent call last):\n',
      `  faultline runner, background activity '${String(entry.activity.name)}'\n`,
      'chaoslib.exceptions.ExperimentExitedException: the run exited ungracefully (SIGUSR2) while this background activity ran\n',
    ];
    Object.assign(entry, {
      ...(end === undefined ? {} : { end }),
      ...(duration === undefined ? {} : { duration }),
    });
  }
}

/**
 * What chaoslib logs, as warnings, when a run is interrupted for `reason`: KeyboardInterrupt for
 * SIGINT, SystemExit with its code for exit signals and sys.exit(), and the rollbacks skipped
 * after SIGUSR2. Other interruptions (SIGTERM, a control) it logs as the reason alone.
 */
export function chaosInterruptionLines(reason: string): string[] {
  if (reason.startsWith('SIGINT')) return ['Received a termination signal (Ctrl-C)...'];
  if (reason === exitReason('SIGUSR2')) {
    return ['Received the exit signal: 30', 'Ignoring rollbacks as per signal'];
  }
  if (reason === exitReason('SIGUSR1')) return ['Received the exit signal: 20'];
  const code = /^SystemExit\((.*)\) raised in Python/.exec(reason)?.[1];
  return code === undefined ? [] : [`Received the exit signal: ${code}`];
}
