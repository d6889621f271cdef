import { z } from 'zod';
import {
  addDelay,
  createLab,
  destroyLab,
  heal,
  isolate,
  limitBandwidth,
  loadLab,
  partition,
} from '../netlab.js';
import { operation, type SystemOperation } from './operation.js';

const lab = z.string().min(1);

export const netOperations: Record<string, SystemOperation> = {
  create: operation(
    'net.create',
    z.strictObject({ lab, hosts: z.array(z.string()).min(2), subnet: z.string().optional() }),
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
  destroy: operation('net.destroy', z.strictObject({ lab }), async (args) => {
    destroyLab(args.lab);
    return true;
  }),
  partition: operation(
    'net.partition',
    z.strictObject({ lab, from: z.string(), to: z.string(), oneWay: z.boolean().default(false) }),
    async (args, context) => {
      const commands = partition(loadLab(args.lab), args.from, args.to, { oneWay: args.oneWay });
      context.ledger.record({
        description: `partitioned ${args.from} ${args.oneWay ? '->' : 'from'} ${args.to} in lab ${args.lab}`,
        undo: { kind: 'run-commands', commands },
      });
      return true;
    },
  ),
  isolate: operation('net.isolate', z.strictObject({ lab, host: z.string() }), async (args, context) => {
    const commands = isolate(loadLab(args.lab), args.host);
    context.ledger.record({
      description: `isolated ${args.host} in lab ${args.lab}`,
      undo: { kind: 'run-commands', commands },
    });
    return true;
  }),
  limit: operation(
    'net.limit',
    z.strictObject({ lab, host: z.string(), rate: z.string() }),
    async (args, context) => {
      const commands = limitBandwidth(loadLab(args.lab), args.host, args.rate);
      context.ledger.record({
        description: `limited ${args.host} to ${args.rate} in lab ${args.lab}`,
        undo: { kind: 'run-commands', commands },
      });
      return true;
    },
  ),
  delay: operation(
    'net.delay',
    z.strictObject({ lab, host: z.string(), ms: z.coerce.number().int() }),
    async (args, context) => {
      const commands = addDelay(loadLab(args.lab), args.host, args.ms);
      context.ledger.record({
        description: `delayed ${args.host} by ${args.ms} ms in lab ${args.lab}`,
        undo: { kind: 'run-commands', commands },
      });
      return true;
    },
  ),
  heal: operation('net.heal', z.strictObject({ lab }), async (args) => {
    heal(loadLab(args.lab));
    return true;
  }),
};
