import { basename, dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { cgroupByName } from '../cgroups.js';
import { checkMemoryStress } from '../memory-guard.js';
import { removeIdentified } from '../private-files.js';
import { startStress, type RunningStress } from '../stress.js';
import { parseStressSpec, type StressKind } from '../stress-spec.js';
import { stopProcess } from '../undo.js';
import { operation, type SystemContext, type SystemOperation } from './operation.js';

const CLOSE_WAIT_MS = 5000;

/** Stress processes started from this process, so `stress.stop` ends them all. */
const running = new Set<RunningStress>();

/** Starts a stress process and returns once it is at full strength; it ends itself after `seconds`. */
export async function startRecordedStress(
  kind: StressKind,
  args: Record<string, unknown>,
  context: SystemContext,
): Promise<RunningStress> {
  const { cgroup, force, ...rest } = args;
  if (cgroup !== undefined && typeof cgroup !== 'string')
    throw new Error('cgroup must be the name of a faultline cgroup');
  if (force !== undefined && (kind !== 'memory' || typeof force !== 'boolean'))
    throw new Error(`force is true or false, and only memory stress takes it, not ${kind} stress`);
  const spec = parseStressSpec({ ...rest, kind });
  const group = cgroup === undefined ? undefined : cgroupByName(cgroup);
  if (spec.kind === 'memory') checkMemoryStress(spec.bytes, { cgroup: group, force: force === true });
  const stress = await startStress(spec, group === undefined ? {} : { cgroup: group });
  const recorded = [
    context.ledger.record({
      description: `started ${kind} stress, pid ${stress.identity.pid}`,
      undo: { kind: 'stop-process', process: stress.identity },
    }),
  ];
  if (stress.file !== undefined) {
    recorded.push(
      context.ledger.record({
        description: `filled ${dirname(stress.file.path)} with ${basename(stress.file.path)}`,
        undo: { kind: 'remove-file', ...stress.file },
      }),
    );
  }
  running.add(stress);
  // Once the process has ended there is nothing left to stop, and its file is removed here in
  // case it could not remove it itself (SIGKILL): nothing is left to undo.
  const settle = () => {
    running.delete(stress);
    if (stress.file !== undefined) removeIdentified(stress.file);
    for (const seq of recorded) context.ledger.settle(seq);
  };
  void stress.finished.then(settle, settle);
  return stress;
}

/**
 * Settles once every stress of this process has ended and settled its ledger entries, or after
 * CLOSE_WAIT_MS: a runner that stopped its processes (SIGTERM, SIGKILL) reads its ledger after
 * this, since a stress's entries are settled when its output closes, a turn or more after it died.
 */
export async function stressesSettled(): Promise<void> {
  await Promise.race([
    Promise.all([...running].map((stress) => stress.finished.catch(() => undefined))),
    delay(CLOSE_WAIT_MS, undefined, { ref: false }),
  ]);
}

const start =
  (kind: StressKind): SystemOperation =>
  async (args, context) => {
    const stress = await startRecordedStress(kind, args, context);
    return { pid: stress.identity.pid, kind, ready: stress.ready };
  };

export const stressOperations: Record<string, SystemOperation> = {
  cpu: start('cpu'),
  memory: start('memory'),
  disk: start('disk'),
  io: start('io'),
  /** Returns once every stress has ended and its ledger entries are settled, SIGKILL or not. */
  stop: operation('stress.stop', z.strictObject({}), async () => {
    const stopping = [...running];
    await Promise.all(
      stopping.map(async (stress) => {
        await stopProcess(stress.identity);
        // Gone by now; its stdout closes next, and with it the settling of its entries.
        await Promise.race([
          stress.finished.catch(() => undefined),
          delay(CLOSE_WAIT_MS, undefined, { ref: false }),
        ]);
      }),
    );
    return { stopped: stopping.map((stress) => stress.identity.pid) };
  }),
};
