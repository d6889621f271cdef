import { z } from 'zod';
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
    const report = await sampleUse({
      seconds: args.seconds,
      signal: context.signal,
      ...(pid === undefined ? {} : { pid }),
      ...(args.path === undefined ? {} : { path: args.path }),
    });
    return pick(report);
  });

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
