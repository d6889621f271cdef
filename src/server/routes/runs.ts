// zod/mini: the server loads only the validators it uses (see scripts/build-cli.mjs).
import * as z from 'zod/mini';
import { rollbackStrategies } from '../../model/experiment.js';
import { FaultlineError } from '../../model/errors.js';
import { readJson } from '../body.js';
import { sendJson } from '../respond.js';
import { param, type Route } from '../route.js';
import { endStatuses, type RunRegistry } from '../run-registry.js';
import { lazySchema } from '../../model/fields.js';
import { parseBody } from './body-schema.js';
import { isPeerProcess } from '../peer-process.js';

const path = () =>
  z
    .string({ error: 'Invalid input: expected a path' })
    .check(
      z.minLength(1, { error: 'Too small: expected a path' }),
      z.maxLength(4096, { error: 'Too big: at most 4096 characters' }),
    );
const newRunSchema = lazySchema(() =>
  z.strictObject({
    /** The run's own id (its ledger's name), so /runs and /ledger name a run the same way. */
    id: z.optional(
      z
        .string()
        .check(
          z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'expected 1 to 100 characters from A-Z a-z 0-9 . _ -'),
        ),
    ),
    title: z
      .string({ error: (issue) => `Invalid input: expected string, received ${typeof issue.input}` })
      .check(z.maxLength(1000, { error: 'Too big: at most 1000 characters' })),
    pid: z.optional(
      z
        .int({ error: 'Invalid input: expected a whole number' })
        .check(z.minimum(1, { error: 'Too small: expected number to be >=1' })),
    ),
    journal: z.optional(path()),
    report: z.optional(path()),
    rollback_strategy: z.optional(
      z.enum(rollbackStrategies, {
        error: `Invalid option: expected one of ${rollbackStrategies.join(', ')}`,
      }),
    ),
  }),
);
const runEndSchema = lazySchema(() =>
  z.strictObject({
    status: z.enum(endStatuses, { error: `Invalid option: expected one of ${endStatuses.join(', ')}` }),
    deviated: z.optional(z.boolean({ error: 'Invalid input: expected true or false' })),
    journal: z.optional(path()),
    report: z.optional(path()),
  }),
);

const HEARTBEAT_MS = 15_000;

/**
 * Runs register with POST /runs and keep its answer open: a stream of JSON lines, first
 * {"id","status"}, then {"halt": reason} when someone halts. A run says how it ended with
 * PATCH /runs/ID; one whose connection closes first is "lost".
 */
export function runRoutes(runs: RunRegistry): Route[] {
  return [
    {
      method: 'GET',
      path: '/runs',
      name: 'RunIndex',
      handler: (_request, response) => sendJson(response, 200, runs.list()),
    },
    {
      method: 'POST',
      path: '/runs',
      name: 'RunRegister',
      handler: async (request, response) => {
        const body = parseBody(
          newRunSchema(),
          await readJson(request),
          'POST /runs',
          '"title" and optionally "id", "pid", "journal", "report" and "rollback_strategy"',
        );
        if (body.id !== undefined && runs.get(body.id) !== undefined) {
          throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', 'run id already registered', {
            hint: `a run with the id ${body.id} registered before; give another id, or none and the server makes one`,
          });
        }
        response.writeHead(200, {
          'Content-Type': 'application/x-ndjson',
          'Cache-Control': 'no-cache',
          'X-Accel-Buffering': 'no',
        });
        const line = (value: unknown) => response.write(`${JSON.stringify(value)}\n`);
        const record = runs.register(
          {
            ...(body.id === undefined ? {} : { id: body.id }),
            title: body.title,
            ...(body.pid === undefined ? {} : { pid: body.pid }),
            ...(body.journal === undefined ? {} : { journal: body.journal }),
            ...(body.report === undefined ? {} : { report: body.report }),
            ...(body.rollback_strategy === undefined ? {} : { rollback_strategy: body.rollback_strategy }),
          },
          {
            halt: (reason) => line({ halt: reason }),
            ...(body.pid !== undefined && isPeerProcess(request.socket, body.pid)
              ? { verifiedPid: body.pid }
              : {}),
          },
        );
        line({ id: record.id, status: record.status });
        // An empty line now and then: a proxy in between keeps the connection, and a dead one shows.
        const heartbeat = setInterval(() => response.write('\n'), HEARTBEAT_MS);
        heartbeat.unref();
        response.once('close', () => {
          clearInterval(heartbeat);
          runs.disconnected(record.id);
        });
      },
    },
    {
      method: 'GET',
      path: '/runs/:run',
      name: 'RunShow',
      handler: (_request, response, context) => sendJson(response, 200, found(runs, param(context, 'run'))),
    },
    {
      method: 'PATCH',
      path: '/runs/:run',
      name: 'RunEnd',
      handler: async (request, response, context) => {
        const id = param(context, 'run');
        const current = found(runs, id);
        if (current.status !== 'running' && current.status !== 'halting') {
          throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', 'run already ended', {
            hint: `run ${id} ended at ${current.ended_at ?? 'an unknown time'} with status ${current.status}; a run says how it ended once`,
          });
        }
        const body = parseBody(
          runEndSchema(),
          await readJson(request),
          'PATCH /runs/ID',
          `"status" (${endStatuses.join(', ')}) and optionally "deviated", "journal" and "report"`,
        );
        const record = runs.end(id, {
          status: body.status,
          ...(body.deviated === undefined ? {} : { deviated: body.deviated }),
          ...(body.journal === undefined ? {} : { journal: body.journal }),
          ...(body.report === undefined ? {} : { report: body.report }),
        });
        sendJson(response, 200, record);
      },
    },
  ];
}

function found(runs: RunRegistry, id: string) {
  const record = runs.get(id);
  if (record) return record;
  throw new FaultlineError('FAULTLINE_ERR_RUN_NOT_FOUND', 'run not found', {
    hint: `no run registered with this server has the id ${JSON.stringify(id)}; GET /runs lists them`,
  });
}
