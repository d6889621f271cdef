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

/** Starts processes and stops every one of them: SIGTERM, then SIGKILL after 5 s. */
export function processGroup() {
  const started = [];
  const start = (command, commandArgs, options = {}) => {
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'ignore', 'inherit'], ...options });
    started.push(child);
    return child;
  };
  const stopAll = () =>
    Promise.all(
      started
        .splice(0)
        .reverse()
        .map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }),
    );
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.once(signal, () => stopAll().then(() => process.exit(130)));
  return { start, stopAll };
}
