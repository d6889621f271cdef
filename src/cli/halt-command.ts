import { resolve } from 'node:path';
import { Command } from 'commander';
import { endpointOf } from '../client/credentials.js';
import { errorFromResponse, FaultlineApiError, unreachable } from '../client/errors.js';
import { createClient } from '../client/index.js';
import { HALT_REASON_MAX_LENGTH, type HaltOutcome } from '../model/halt.js';
import { fetchAnyPort } from '../net/fetch-any-port.js';
import { faultlineVersion } from '../version.js';
import { example, out, serverUrlFor, UsageError, withServerUrl } from './context.js';
import { safe, safeJson } from './terminal-text.js';

interface HaltFlags {
  host?: string;
  ledgerDir?: string;
  reason?: string;
  json?: boolean;
}

export function haltCommand(): Command {
  return withServerUrl(new Command('halt'))
    .description(
      'stop every fault now: toxics on the server, runs registered with it, and every fault in the ledger; without a server, the ledger alone',
    )
    .option('--reason <text>', 'why, for the journals of the runs it interrupts')
    .option(
      '--ledger-dir <dir>',
      'also undo this ledger here (without a server: the ledger to undo, default that of "faultline rollback")',
    )
    .option('--json', 'print {"undone": [...], "left": [...], "failed": [...]} as JSON')
    .addHelpText('after', example('faultline halt --reason "checkout p99 alarm"'))
    .action(async (flags: HaltFlags, command: Command) => {
      // The server would refuse it, and halt from the ledger alone would leave the server's toxics.
      if (flags.reason !== undefined && flags.reason.length > HALT_REASON_MAX_LENGTH)
        throw new UsageError(
          `--reason is ${flags.reason.length} characters; a halt takes at most ${HALT_REASON_MAX_LENGTH}: shorten it and halt again (nothing was halted)`,
        );
      process.exitCode = await halt(flags, serverUrlFor(command));
    });
}

async function halt(flags: HaltFlags, server: { url: string; explicit: boolean }): Promise<number> {
  const outcome: HaltOutcome = { undone: [], left: [], failed: [] };
  const notes: string[] = [];
  const reached = await haltServer(server, flags.reason, outcome, notes);
  if (reached === 'refused') {
    print(outcome, notes, flags.json === true);
    return 1;
  }
  const serverLedgerFailed = reached === 'halted' && takeLedgerFailures(outcome, notes);
  if (reached === 'absent' || serverLedgerFailed || flags.ledgerDir !== undefined) {
    const { defaultLedgerDirectory } = await import('../experiment/ledger.js');
    const { haltLedgers } = await import('../experiment/ledger-halt.js');
    const directory = resolve(flags.ledgerDir ?? defaultLedgerDirectory());
    notes.push(`looked in the ledger ${directory}`);
    const local = await haltLedgers(directory, {
      reason: `halted by faultline halt${flags.reason === undefined ? '' : ` (${flags.reason})`}`,
    });
    outcome.undone.push(...local.undone);
    outcome.left.push(...local.left);
    outcome.failed.push(...local.failed);
  }
  print(outcome, notes, flags.json === true);
  return outcome.failed.length === 0 ? 0 : 1;
}

/**
 * A server that halted but could not undo its ledger (a file it could not read, or faultline's own
 * files replaced under it by an upgrade) must not leave the ledger's faults in place: its failures
 * become a note, and this process halts the ledger itself, as it does without a server.
 */
function takeLedgerFailures(outcome: HaltOutcome, notes: string[]): boolean {
  const ledgerFailures = outcome.failed.filter((item) => item.kind === 'ledger');
  if (ledgerFailures.length === 0) return false;
  outcome.failed = outcome.failed.filter((item) => item.kind !== 'ledger');
  for (const failure of ledgerFailures)
    notes.push(`the server could not halt the ledger (${failure.what}): halting from the ledger here`);
  return true;
}

/**
 * POST /halt: `halted` when the server halted (and so undid its own ledger); `absent` when no
 * server answered, or one without /halt (a Toxiproxy) was reset instead; `refused` when the
 * server turned the token down (401/403). A server that answered is there: halting from the
 * ledger alone would signal its runs while their rollbacks and undos meet the same refusal, so
 * a refusal halts nothing.
 */
async function haltServer(
  server: { url: string; explicit: boolean },
  reason: string | undefined,
  outcome: HaltOutcome,
  notes: string[],
): Promise<'halted' | 'absent' | 'refused'> {
  const endpoint = endpointOf(server.url);
  try {
    const response = await fetchAnyPort(`${endpoint.base}/halt`, {
      method: 'POST',
      headers: {
        ...endpoint.headers,
        'Content-Type': 'application/json',
        'User-Agent': `faultline-client/${faultlineVersion}`,
      },
      body: JSON.stringify(reason === undefined ? {} : { reason }),
      signal: AbortSignal.timeout(60_000),
    }).catch((error: unknown) => {
      throw unreachable(endpoint.url, error);
    });
    if (response.status === 404) {
      await response.arrayBuffer();
      await createClient({ url: server.url }).reset();
      notes.push(
        `the server at ${endpoint.url} has no /halt (a Toxiproxy?): reset it, and halting from the ledger`,
      );
      outcome.undone.push({
        kind: 'toxic',
        what: `reset the server at ${endpoint.url}: every toxic removed, every proxy enabled`,
      });
      return 'absent';
    }
    if (!response.ok) throw await errorFromResponse(response, 'halt');
    // A server of an older version sends no `left`.
    const answer = (await response.json()) as Omit<HaltOutcome, 'left'> & { left?: HaltOutcome['left'] };
    outcome.undone.push(...answer.undone);
    outcome.left.push(...(answer.left ?? []));
    outcome.failed.push(...answer.failed);
    notes.push(`halted through the faultline server at ${endpoint.url}`);
    return 'halted';
  } catch (error) {
    if (!(error instanceof FaultlineApiError)) throw error;
    if (error.status === 401 || error.status === 403) {
      outcome.failed.push({
        kind: 'server',
        what: `the server at ${endpoint.url} refused the halt (${error.reason}); nothing was halted: set FAULTLINE_TOKEN=TOKEN or put the token in the URL (-h http://:TOKEN@HOST:PORT), then halt again`,
      });
      return 'refused';
    }
    notes.push(
      error.status === 0
        ? `no faultline server at ${endpoint.url}: halting from the ledger alone`
        : `the server at ${endpoint.url} did not halt (${error.reason}): halting from the ledger alone`,
    );
    // A server only the environment or the default names may simply not be running.
    if (server.explicit || error.status !== 0)
      outcome.failed.push({
        kind: 'server',
        what: `the server at ${endpoint.url} was not halted: ${error.reason}`,
      });
    return 'absent';
  }
}

function print(outcome: HaltOutcome, notes: string[], json: boolean) {
  if (json) return out(safeJson(outcome));
  for (const note of notes) out(safe(note));
  if (outcome.undone.length === 0 && outcome.left.length === 0 && outcome.failed.length === 0)
    out('nothing to halt: no toxic, no registered run, no fault in the ledger');
  for (const item of outcome.undone) out(`  undone (${item.kind}): ${safe(item.what)}`);
  if (outcome.left.length > 0) out('left in place, not undone (each says why):');
  for (const item of outcome.left) out(`  left (${item.kind}): ${safe(item.what)}`);
  for (const item of outcome.failed) out(`  FAILED (${item.kind}): ${safe(item.what)}`);
}
