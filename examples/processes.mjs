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
 * Starts a server on a port free a moment ago, and on another one when that port was taken before
 * the server bound it: until it binds, any process on the machine may bind the port freePort saw
 * free. `launch(port)` starts the server and resolves once it is ready; it rejects with an error
 * whose `portTaken` is true when its bind failed with "Address already in use".
 */
export async function startOnFreePort(what, launch, attempts = 5) {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    try {
      return await launch(port);
    } catch (error) {
      if (!error.portTaken || attempt === attempts) throw error;
      process.stderr.write(`${what}: port ${port} was taken before it could bind it; trying another\n`);
    }
  }
}

/**
 * Resolves with the first match of `pattern` in what the child writes on its piped `stream`
 * ('stdout' or 'stderr'), giving all of it to `echo` as well. Rejects if the child exits first,
 * with what it wrote as `output` and `portTaken` when that says its bind failed.
 */
export function announced(child, stream, pattern, what, echo = () => undefined) {
  return new Promise((resolve, reject) => {
    let text = '';
    let settled = false;
    const onExit = (code, signal) => {
      if (settled) return;
      settled = true;
      const last = text.trim().split('\n').slice(-3).join(' | ');
      const error = new Error(`${what} exited (${signal ?? `status ${code}`}) before it was ready: ${last}`);
      reject(Object.assign(error, { output: text, portTaken: /Address already in use/.test(text) }));
    };
    child[stream].setEncoding('utf8').on('data', (chunk) => {
      echo(chunk);
      if (settled) return;
      text += chunk;
      const match = pattern.exec(text);
      if (match) {
        settled = true;
        resolve(match);
      }
    });
    // 'close', not 'exit': by then everything it wrote has been read.
    child.once('close', onExit);
  });
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
