import { statfsSync } from 'node:fs';
import { z } from 'zod';
import { readFailure } from '../../model/read-failure.js';
import { BadInput } from '../bad-input.js';
import { numberArgument } from '../number-argument.js';
import { sampleUse, type UseReport } from '../use-probes.js';
import { operation, type SystemOperation } from './operation.js';
import { onlyOne, readTargetFields, resolveTargets } from './selector.js';

const sample = z.strictObject({
  ...readTargetFields,
  seconds: numberArgument(z.number().positive().max(3600)).default(1),
  path: z.string().optional(),
});

const probe = (where: string, pick: (report: UseReport) => unknown): SystemOperation =>
  operation(where, sample, async (args, context) => {
    const selected = [args.pid, args.port, args.match, args.pidfile].some((value) => value !== undefined);
    let pid: number | undefined;
    if (selected) {
      pid = onlyOne(
        resolveTargets(args, 'sampled', undefined, { protect: false }),
        `${where} samples one process`,
      ).pid;
    }
    if (args.path !== undefined) checkPath(args.path);
    const report = await sampleUse({
      seconds: args.seconds,
      signal: context.signal,
      ...(pid === undefined ? {} : { pid }),
      ...(args.path === undefined ? {} : { path: args.path }),
    });
    return pick(report);
  });

/** The file system `path` is on is what the probe reports: one it cannot read is refused in words. */
function checkPath(path: string): void {
  try {
    statfsSync(path);
  } catch (error) {
    throw new BadInput(
      `path ${JSON.stringify(path)} cannot be read (${readFailure(error)}): give a path on the file system to report, or leave path out for /`,
    );
  }
}

/** USE-method probes: utilisation, saturation and errors per resource, from /proc. */
export const useOperations: Record<string, SystemOperation> = {
  sample: probe('use.sample', (report) => report),
  cpu: probe('use.cpu', (report) => report.cpu),
  memory: probe('use.memory', (report) => report.memory),
  disk: probe('use.disk', (report) => ({ devices: report.disk, filesystem: report.filesystem })),
  network: probe('use.network', (report) => report.network),
  tcp: probe('use.tcp', (report) => report.tcp),
  pressure: probe('use.pressure', (report) => report.pressure),
  process: probe('use.process', (report) => report.process ?? null),
};
