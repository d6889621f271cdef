import type { Logger } from 'pino';
// zod/mini: the server loads only the validators it uses (see scripts/build-cli.mjs).
import * as z from 'zod/mini';
import {
  HALT_REASON_MAX_LENGTH,
  type HaltItem,
  type HaltOutcome,
  type LedgerAccess,
} from '../../model/halt.js';
import type { Engine } from '../../proxy/engine.js';
import { parseJsonBody, readText } from '../body.js';
import { FILES_REPLACED_ADVICE } from '../files-replaced.js';
import { sendJson } from '../respond.js';
import type { Route } from '../route.js';
import type { HaltedRun, RunRegistry } from '../run-registry.js';
import { lazySchema } from '../../model/fields.js';
import { parseBody } from './body-schema.js';

export interface HaltDependencies {
  runs: RunRegistry;
  /** The ledger of the user the server runs as; without it, halt reaches toxics and registered runs only. */
  ledger?: LedgerAccess | undefined;
  /** How long halt waits for interrupted runs to play their rollbacks (default 10 s). */
  runWaitMs?: number;
}

const haltSchema = lazySchema(() =>
  z.strictObject({
    reason: z.optional(
      z.string({ error: (issue) => `Invalid input: expected string, received ${typeof issue.input}` }).check(
        z.maxLength(HALT_REASON_MAX_LENGTH, {
          error: `Too big: at most ${HALT_REASON_MAX_LENGTH} characters`,
        }),
      ),
    ),
  }),
);

/**
 * POST /halt stops every fault this server can reach, in this order: every registered run is
 * interrupted and plays its rollbacks; after at most 0.8 s of waiting for them, the toxics still
 * on its proxies (and proxies left disabled) are removed; halt then waits for the runs (10 s in
 * all) and undoes every fault the ledger still records. GET /ledger lists those faults.
 */
export function haltRoutes(dependencies: HaltDependencies): Route[] {
  const { runs, ledger } = dependencies;
  const runWaitMs = dependencies.runWaitMs ?? 10_000;
  return [
    {
      method: 'POST',
      path: '/halt',
      name: 'Halt',
      handler: async (request, response, { engine, log }) => {
        const text = await readText(request);
        const body = parseBody(
          haltSchema(),
          text.trim() === '' ? {} : parseJsonBody(text, 'POST /halt takes no body, or {"reason": "..."}'),
          'POST /halt',
          'no body, or {"reason": "..."}',
        );
        const started = performance.now();
        const reason = `POST /halt from ${request.socket.remoteAddress ?? 'an unknown address'}${body.reason ? `: ${body.reason}` : ''}`;
        const outcome: HaltOutcome = { undone: [], left: [], failed: [] };
        // Runs first: their own rollbacks take back what they injected, and would find it gone otherwise.
        const halted = runs.haltAll(reason);
        for (const { record } of halted)
          outcome.undone.push({
            kind: 'run',
            what: `interrupted run "${record.title}" (${record.id}); ${
              record.rollback_strategy === 'never'
                ? 'its rollback strategy is "never": it plays no rollbacks'
                : 'it plays its rollbacks'
            }`,
          });
        // Every toxic is gone within about a second: a run whose rollbacks are slow does not hold
        // the others up (its rollback then finds the toxic gone, which counts as removed).
        const firstWaitMs = Math.min(TOXICS_WITHIN_MS, runWaitMs);
        await waitForRuns(halted, firstWaitMs);
        await clearProxies(engine, outcome);
        outcome.failed.push(...(await waitForRuns(halted, runWaitMs - firstWaitMs, runWaitMs)));
        if (ledger) {
          // Only pids the server saw belong to whoever registered them: a client that registers
          // another user's run by its pid does not keep halt from interrupting it.
          const spare = halted.flatMap(({ verifiedPid }) => (verifiedPid === undefined ? [] : [verifiedPid]));
          try {
            const fromLedger = await ledger.halt({
              spare,
              reason: `halted by the faultline server (${reason})`,
            });
            outcome.undone.push(...fromLedger.undone);
            outcome.left.push(...fromLedger.left);
            outcome.failed.push(...fromLedger.failed);
          } catch (error) {
            outcome.failed.push({
              kind: 'ledger',
              what: ledgerFailure(error),
            });
          }
        }
        const durationMs = Math.round(performance.now() - started);
        logHalt(log, reason, outcome, durationMs);
        engine.events.emit({
          type: 'halt',
          reason,
          undone: outcome.undone.map((item) => item.what),
          left: outcome.left.map((item) => item.what),
          failed: outcome.failed.map((item) => item.what),
          durationMs,
        });
        sendJson(response, 200, outcome);
      },
    },
    {
      method: 'GET',
      path: '/ledger',
      name: 'LedgerIndex',
      handler: async (_request, response) => sendJson(response, 200, ledger ? await ledger.list() : []),
    },
  ];
}

/**
 * Removes every toxic and enables every disabled proxy, as POST /reset does, and more: switches
 * header-driven faults off and releases every request a delay still holds; item by item, said.
 */
async function clearProxies(engine: Engine, outcome: HaltOutcome): Promise<void> {
  for (const proxy of engine.list()) {
    if (proxy.headerFaults) {
      try {
        await engine.update(proxy.name, { headerFaults: false });
        outcome.undone.push({
          kind: 'toxic',
          what: `switched header-driven faults off on proxy ${proxy.name} (header_faults: false)`,
        });
      } catch (error) {
        outcome.failed.push({
          kind: 'toxic',
          what: `could not switch header-driven faults off on proxy ${proxy.name}: ${(error as Error).message}`,
        });
      }
    }
    // Before the toxics go: released by a removed toxic, a request would still meet the plan's abort.
    const held = proxy.releaseHeldRequests();
    if (held > 0)
      outcome.undone.push({
        kind: 'toxic',
        what: `released ${held === 1 ? '1 request' : `${held} requests`} that a delay (a toxic's or a header's) held on proxy ${proxy.name}: ${held === 1 ? 'it goes' : 'they go'} on with no further fault`,
      });
    for (const toxic of [...proxy.toxics]) {
      const what = `${toxic.type} toxic ${toxic.name} on proxy ${proxy.name}`;
      try {
        await proxy.removeToxic(toxic.name);
        outcome.undone.push({ kind: 'toxic', what: `removed the ${what}` });
      } catch (error) {
        outcome.failed.push({
          kind: 'toxic',
          what: `could not remove the ${what}: ${(error as Error).message}`,
        });
      }
    }
    if (proxy.enabled) continue;
    try {
      await engine.update(proxy.name, { enabled: true });
      outcome.undone.push({ kind: 'toxic', what: `enabled proxy ${proxy.name}, which was disabled` });
    } catch (error) {
      outcome.failed.push({
        kind: 'toxic',
        what: `could not enable proxy ${proxy.name}: ${(error as Error).message}`,
      });
    }
  }
}

/** How long halt lets interrupted runs take back their own toxics before it removes the rest. */
const TOXICS_WITHIN_MS = 800;

async function waitForRuns(halted: HaltedRun[], waitMs: number, totalMs = waitMs): Promise<HaltItem[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
  await Promise.race([Promise.all(halted.map((run) => run.ended)), timeout]);
  clearTimeout(timer);
  return halted
    .filter(({ record }) => record.status === 'halting')
    .map(({ record }) => ({
      kind: 'run' as const,
      what: `run "${record.title}" (${record.id}) had not ended ${totalMs / 1000} s after the halt; the faults its ledger records were undone for it`,
    }));
}

function logHalt(log: Logger, reason: string, outcome: HaltOutcome, ms: number) {
  log.warn(
    {
      reason,
      undone: outcome.undone.length,
      left: outcome.left.map((item) => item.what),
      failed: outcome.failed.map((item) => item.what),
      duration_ms: Math.round(ms),
    },
    'halt',
  );
}

/** Why the ledger step failed; a module gone from disk means faultline was replaced under the server. */
export function ledgerFailure(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = `the ledger could not be read: ${String(message)}`;
  // The server bundle's loader already says so (files-replaced.ts); tsc's output gets Node's error.
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
    !text.includes(FILES_REPLACED_ADVICE)
    ? `${text}; ${FILES_REPLACED_ADVICE}`
    : text;
}
