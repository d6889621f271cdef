// What the example runners share to drive the faultline CLI: run a command, run an experiment
// and render its journal as an HTML report, wait for a service to answer.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const faultlineCli = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'dist',
  'src',
  'cli',
  'main.js',
);

/** Runs `faultline <args>`; its stdout is returned, its stderr goes to ours. */
export async function runFaultline(args, env = {}) {
  const child = spawn(process.execPath, [faultlineCli, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const [code] = await once(child, 'close');
  return { code, stdout };
}

/**
 * `faultline run` with the console output shown, then `faultline report` beside the journal. It is
 * started through the caller's process group (`start`), so a signal makes it roll back first.
 */
export async function runExperiment({ start, file, journalPath, env = {} }) {
  const child = start(
    process.execPath,
    [faultlineCli, 'run', file, '--journal-path', journalPath, '--rollback-strategy', 'always'],
    {
      stdio: 'inherit',
      env: { ...process.env, ...env },
    },
  );
  const [code] = await once(child, 'exit');
  await runFaultline(['report', journalPath, '-o', journalPath.replace(/\.journal\.json$/, '.html')]);
  return { code, journal: JSON.parse(readFileSync(journalPath, 'utf8')) };
}

/** met, deviated, or "not run to the end" when the run failed or the first hypothesis did not hold. */
export function outcomeOf(journal) {
  if (journal.status !== 'completed' || journal.steady_states.before?.steady_state_met === false)
    return 'not run to the end';
  return journal.deviated ? 'deviated' : 'met';
}

/** The output of the method or hypothesis activity with this name. */
export function outputOf(journal, name) {
  const activities = [
    ...journal.run,
    ...(journal.steady_states.before?.probes ?? []),
    ...(journal.steady_states.after?.probes ?? []),
  ];
  return activities.find((entry) => entry.activity.name === name)?.output;
}

export async function waitForHttp(url, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`${url} did not answer within ${timeoutMs} ms: ${error.message}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
