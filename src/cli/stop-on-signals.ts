import { EXIT } from './failure.js';

export interface SignalStop {
  readonly signal: AbortSignal;
  /** The exit status owed once a signal came (130 for SIGINT, 143 for SIGTERM), else undefined. */
  readonly status: number | undefined;
  /** Stops listening for the signals. */
  release(): void;
}

/**
 * Turns the first Ctrl-C or SIGTERM into an abort, so a command can stop its work and say what it
 * did; a second one exits at once, unless `secondExits` is false (a command that must finish
 * undoing a fault first).
 */
export function stopOnSignals({ secondExits = true }: { secondExits?: boolean } = {}): SignalStop {
  const controller = new AbortController();
  let status: number | undefined;
  const interrupt = (exitStatus: number) => () => {
    if (status !== undefined && secondExits) process.exit(exitStatus);
    status ??= exitStatus;
    controller.abort();
  };
  const onInt = interrupt(EXIT.interrupted);
  const onTerm = interrupt(EXIT.terminated);
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    get status() {
      return status;
    },
    release() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}
