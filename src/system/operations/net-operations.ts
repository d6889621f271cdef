import { z } from 'zod';
import {
  addDelay,
  createLab,
  destroyLab,
  heal,
  isolate,
  labIsGone,
  limitBandwidth,
  loadLab,
  partition,
} from '../netlab.js';
import type { Undo } from '../../model/ledger.js';
import { BadInput } from '../bad-input.js';
import { netemSettings } from '../netem-settings.js';
import { stopLabProcesses } from '../undo.js';
import { operation, type SystemOperation } from './operation.js';

const lab = z.string().min(1);
/** A percentage: a number, or text such as "5%" (netemSettings reads and checks it). */
const percentArgument = z.union([z.number(), z.string()]).optional();
/** Percentages as "a,b,c" or an array. */
const percentsArgument = z
  .union([z.string(), z.number(), z.array(z.union([z.number(), z.string()]))])
  .optional();
/** A time: a number of milliseconds, or text with tc's units ("500us"). */
const timeArgument = z.union([z.number(), z.string()]).optional();
const wholeArgument = z.union([z.number(), z.string()]).optional();

export const netOperations: Record<string, SystemOperation> = {
  create: operation(
    'net.create',
    z.strictObject({
      lab,
      hosts: z
        .array(z.string())
        .min(
          2,
          'a lab needs at least two hosts to put faults between: give two or more (--hosts a,b; "hosts": ["a", "b"] in an experiment)',
        ),
      subnet: z.string().optional(),
    }),
    async (args, context) => {
      const created = createLab(
        args.lab,
        args.hosts,
        args.subnet === undefined ? {} : { subnet: args.subnet },
      );
      context.ledger.record({
        description: `created network lab ${args.lab}`,
        undo: { kind: 'destroy-lab', lab: args.lab },
      });
      return created;
    },
  ),
  /**
   * Removes the lab, refusing while processes run in it unless `force` stops them; every ledger
   * entry about it is cleared, so no rollback repeats it.
   */
  destroy: operation(
    'net.destroy',
    z.strictObject({ lab, force: z.boolean().default(false) }),
    async (args, context) => {
      if (labIsGone(args.lab))
        throw new BadInput(
          `there is no lab ${args.lab} (no state and no namespace fl-${args.lab}-*): nothing was destroyed; check the name (a lab's namespaces show in "ip netns list" as fl-LAB-*)`,
        );
      const stopped = args.force ? await stopLabProcesses(args.lab) : [];
      destroyLab(args.lab);
      context.ledger.settleWhere((undo) => labOf(undo) === args.lab);
      return { stopped };
    },
  ),
  partition: operation(
    'net.partition',
    z.strictObject({ lab, from: z.string(), to: z.string(), oneWay: z.boolean().default(false) }),
    async (args, context) => {
      const { priority } = partition(loadLab(args.lab), args.from, args.to, { oneWay: args.oneWay });
      context.ledger.record({
        description: `partitioned ${args.from} ${args.oneWay ? '->' : 'from'} ${args.to} in lab ${args.lab}`,
        undo: {
          kind: 'remove-partition',
          lab: args.lab,
          from: args.from,
          to: args.to,
          oneWay: args.oneWay,
          priority,
        },
      });
      return true;
    },
  ),
  isolate: operation('net.isolate', z.strictObject({ lab, host: z.string() }), async (args, context) => {
    for (const { other, priority } of isolate(loadLab(args.lab), args.host)) {
      context.ledger.record({
        description: `isolated ${args.host} from ${other} in lab ${args.lab}`,
        undo: {
          kind: 'remove-partition',
          lab: args.lab,
          from: args.host,
          to: other,
          oneWay: false,
          priority,
        },
      });
    }
    return true;
  }),
  limit: operation(
    'net.limit',
    z.strictObject({ lab, host: z.string(), rate: z.string() }),
    async (args, context) => {
      limitBandwidth(loadLab(args.lab), args.host, args.rate);
      context.ledger.record({
        description: `limited ${args.host} to ${args.rate} in lab ${args.lab}`,
        undo: { kind: 'remove-limit', lab: args.lab, host: args.host },
      });
      return true;
    },
  ),
  /** A netem qdisc on a host: a delay and netem's other settings, checked before tc runs. */
  delay: operation(
    'net.delay',
    z.strictObject({
      lab,
      host: z.string(),
      ms: timeArgument,
      jitter: timeArgument,
      correlation: percentArgument,
      distribution: z.string().optional(),
      loss: percentArgument,
      lossCorrelation: percentArgument,
      lossState: percentsArgument,
      lossGemodel: percentsArgument,
      ecn: z.boolean().optional(),
      duplicate: percentArgument,
      duplicateCorrelation: percentArgument,
      corrupt: percentArgument,
      corruptCorrelation: percentArgument,
      reorder: percentArgument,
      reorderCorrelation: percentArgument,
      gap: wholeArgument,
      rate: z.string().optional(),
      ratePacketOverhead: wholeArgument,
      rateCellSize: wholeArgument,
      rateCellOverhead: wholeArgument,
      slot: z.union([z.string(), z.number(), z.array(z.union([z.number(), z.string()]))]).optional(),
      slotDistribution: z.string().optional(),
      slotJitter: timeArgument,
      slotPackets: wholeArgument,
      slotBytes: wholeArgument,
      limit: wholeArgument,
    }),
    async (args, context) => {
      const { lab: labName, host, ...asked } = args;
      const settings = netemSettings(asked);
      const { netem } = addDelay(loadLab(labName), host, settings);
      const text = netem.join(' ');
      context.ledger.record({
        description: `added netem ${text} to ${host} in lab ${labName}`,
        undo: { kind: 'remove-delay', lab: labName, host },
      });
      return text;
    },
  ),
  /** Removes every partition, limit and delay; their ledger entries are cleared. */
  heal: operation('net.heal', z.strictObject({ lab }), async (args, context) => {
    heal(loadLab(args.lab));
    context.ledger.settleWhere((undo) => undo.kind !== 'destroy-lab' && labOf(undo) === args.lab);
    return true;
  }),
};

function labOf(undo: Undo): string | undefined {
  return 'lab' in undo ? undo.lab : undefined;
}
