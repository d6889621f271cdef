import { resolve } from 'node:path';
import { type Experiment, isObject } from '../model/experiment.js';
import type { RunLog } from './console.js';
import { reportTo, type RunReporter } from './report-to.js';

/**
 * `--report-to URL` (or FAULTLINE_URL): registers the run before it starts. A server given with
 * the flag must take the registration, or the run does not start; one that only FAULTLINE_URL
 * names (perhaps a Toxiproxy, which has no /runs) gets a warning and the run goes on unregistered.
 */
export async function connectReporter(
  url: string | undefined,
  explicit: boolean,
  experiment: Experiment,
  journalPath: string,
  log: RunLog,
  run: { id: string; rollbackStrategyFlag?: string | undefined },
): Promise<RunReporter | undefined> {
  if (url === undefined || url === '') return undefined;
  const warn = (message: string) => log.warning(message);
  try {
    const reporter = await reportTo(
      url,
      {
        id: run.id,
        title: String(experiment.title),
        journal: resolve(journalPath),
        rollbackStrategy: run.rollbackStrategyFlag ?? runtimeRollbackStrategy(experiment),
      },
      warn,
    );
    log.info(`Registered with the faultline server at ${reporter.server}: its halt interrupts this run`);
    return reporter;
  } catch (error) {
    const hint = (error as { hint?: unknown }).hint;
    const said = (error as Error).message;
    const reason = `${said}${typeof hint === 'string' && !said.includes(hint) ? ` (${hint})` : ''}`;
    const message = `cannot register the run with ${explicit ? '--report-to' : 'FAULTLINE_URL'}: ${reason}`;
    if (explicit) throw new Error(`${message}; drop --report-to to run without a server`);
    warn(
      `${message}; the run goes on, but a halt on that server will not reach it (unset FAULTLINE_URL or pass --report-to '' to stop trying)`,
    );
    return undefined;
  }
}

/** The strategy `runtime.rollbacks.strategy` names, so the server's halt says whether rollbacks play. */
function runtimeRollbackStrategy(experiment: Experiment): string {
  const block = isObject(experiment.runtime) ? experiment.runtime.rollbacks : undefined;
  return isObject(block) && typeof block.strategy === 'string' ? block.strategy : 'default';
}
