/** 128 + SIGPIPE: how a shell reports a program that wrote into a pipe whose reader had gone. */
export const CLOSED_OUTPUT_STATUS = 141;

const stdoutClosedListeners = new Set<() => void>();
let stdoutClosed = false;

/**
 * A reader that stops early (`faultline run x.yaml 2>&1 | head`, a killed `tee`) closes stdout or
 * stderr, and every later write to it fails with EPIPE. A command goes on to its end exactly as
 * if the output were still read, with the same rollbacks, ledger and exit status: what it writes
 * there is dropped. Only a command whose work is its output ends, through whenStdoutCloses.
 */
export function keepGoingWhenOutputCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (stdoutClosed) return;
    stdoutClosed = true;
    for (const listener of stdoutClosedListeners) listener();
  });
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

/**
 * For a command that only prints (observe, watch): `stop` is called once when stdout's reader
 * has gone, and the exit status becomes 141, as for `git log | head`. Returns the unsubscribe.
 */
export function whenStdoutCloses(stop: () => void): () => void {
  const listener = () => {
    process.exitCode = CLOSED_OUTPUT_STATUS;
    stop();
  };
  if (stdoutClosed) listener();
  else stdoutClosedListeners.add(listener);
  return () => stdoutClosedListeners.delete(listener);
}
