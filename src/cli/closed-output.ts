/** 128 + SIGPIPE: how a shell reports a program that wrote into a pipe whose reader had gone. */
export const CLOSED_OUTPUT_STATUS = 141;

/**
 * A reader that stops early (`faultline observe | head -1`) closes stdout, and the next write
 * fails with EPIPE. The command then ends quietly, as `git log | head` does, instead of dying on
 * an unhandled error: a command holding a fault ends through its SIGTERM path, which undoes the
 * fault; any other exits at once with 141.
 */
export function endQuietlyWhenOutputCloses(): void {
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (closed) return;
    closed = true;
    process.exitCode = CLOSED_OUTPUT_STATUS;
    if (process.listenerCount('SIGTERM') > 0) process.emit('SIGTERM', 'SIGTERM');
    else process.exit(CLOSED_OUTPUT_STATUS);
  });
}
