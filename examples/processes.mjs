// What the example runners share: free loopback ports, and the processes they start, stopped
// by pid at the end or on SIGINT/SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Starts processes and stops every one of them, newest first: SIGTERM, then SIGKILL after 5 s.
 * What `afterStop` registers (removing a server's data...) runs once they are all stopped, on
 * signals too.
 */
export function processGroup() {
  const started = [];
  const everStarted = [];
  const cleanups = [];
  const start = (command, commandArgs, options = {}) => {
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'ignore', 'inherit'], ...options });
    started.push(child);
    everStarted.push({ pid: child.pid, command: [command, ...commandArgs].join(' ') });
    return child;
  };
  const stopAll = async () => {
    // Newest first, one at a time: an experiment rolls back while the proxies it uses still run.
    for (const child of started.splice(0).reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    for (const cleanup of cleanups.splice(0)) cleanup();
  };
  const afterStop = (cleanup) => cleanups.push(cleanup);
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.once(signal, () => stopAll().then(() => process.exit(130)));
  /** Every process started, stopped or not, so a caller can check that none is left. */
  const startedProcesses = () => [...everStarted];
  return { start, stopAll, afterStop, startedProcesses };
}
