import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { numberArgument } from '../number-argument.js';
import { percentile } from '../../model/percentile.js';
import { isEtcdEndpoint, memberStatus, metrics, put, transferLeadership } from '../etcd.js';
import { verifyWrites } from '../etcd-writer.js';
import { operation, type SystemOperation } from './operation.js';

/** A mistyped endpoint is a mistake in the file, not a member that is down: it is refused. */
const endpoint = z
  .string()
  .min(1)
  .refine(isEtcdEndpoint, 'expected an http:// or https:// URL, or host:port (http is assumed)');
const endpoints = z.array(endpoint).min(1);

/** Steady-state probes for an etcd cluster, through its HTTP gateway and /metrics. */
export const etcdOperations: Record<string, SystemOperation> = {
  /** Each member's view: is it the leader, its term, its errors ("etcdserver: no leader"). */
  status: operation('etcd.status', z.strictObject({ endpoints }), async (args) => {
    const members = await Promise.all(args.endpoints.map((endpoint) => memberStatus(endpoint)));
    const leaders = members.filter((member) => member.ok && member.leader);
    return {
      members,
      leaders: leaders.length,
      leader: leaders[0]?.endpoint ?? null,
      healthy: members.filter((m) => m.ok).length,
    };
  }),

  metrics: operation('etcd.metrics', z.strictObject({ endpoint }), (args) => metrics(args.endpoint)),

  /** Waits until a majority (or, with `all`, every member) agrees on one leader; fails after `seconds`. */
  wait_for_leader: operation(
    'etcd.wait_for_leader',
    z
      .strictObject({
        endpoints,
        seconds: numberArgument(z.number().positive().max(300)).default(30),
        not: z.string().optional(),
        all: z.boolean().default(false),
      })
      .refine((args) => args.not === undefined || args.endpoints.includes(args.not), {
        path: ['not'],
        message: 'must be one of the endpoints, written the same way: another leader could never be it',
      }),
    async (args, context) => {
      const started = Date.now();
      while (Date.now() - started < args.seconds * 1000) {
        const members = await Promise.all(args.endpoints.map((endpoint) => memberStatus(endpoint, 1000)));
        const healthy = members.filter((member) => member.ok);
        const leader = healthy.find((member) => member.leader);
        const agreed = leader && healthy.filter((member) => member.leaderId === leader.memberId).length;
        const needed = args.all ? args.endpoints.length : Math.floor(args.endpoints.length / 2) + 1;
        if (leader && agreed! >= needed && leader.endpoint !== args.not)
          return { leader: leader.endpoint, term: leader.term, waitedMs: Date.now() - started };
        await delay(100, undefined, { signal: context.signal });
      }
      throw new Error(`no leader agreed by a majority within ${args.seconds} s`);
    },
  ),

  /** N sequential writes: p50 and p99 latency, and how many failed. */
  write_latency: operation(
    'etcd.write_latency',
    z.strictObject({
      endpoint,
      count: numberArgument(z.number().int().min(1).max(10_000)).default(50),
      timeoutMs: numberArgument(z.number().int().min(1)).default(2000),
    }),
    async (args) => {
      const times: number[] = [];
      let failed = 0;
      for (let index = 0; index < args.count; index += 1) {
        const started = performance.now();
        try {
          await put(args.endpoint, `faultline/latency/${index}`, String(index), args.timeoutMs);
          times.push(performance.now() - started);
        } catch {
          failed += 1;
        }
      }
      times.sort((a, b) => a - b);
      const round = (value: number) => Math.round(value * 10) / 10;
      return {
        writes: args.count,
        failed,
        p50Ms: round(percentile(times, 50) ?? 0),
        p99Ms: round(percentile(times, 99) ?? 0),
      };
    },
  ),

  /** Moves leadership to `to` (etcd's MoveLeader), so a scenario can cut off a known leader. */
  move_leader: operation(
    'etcd.move_leader',
    z.strictObject({ endpoints, to: z.string().min(1) }).refine((args) => args.endpoints.includes(args.to), {
      path: ['to'],
      message: 'must be one of the endpoints, written the same way',
    }),
    async (args) => {
      const members = await Promise.all(args.endpoints.map((endpoint) => memberStatus(endpoint)));
      const leader = members.find((member) => member.ok && member.leader);
      const target = members.find((member) => member.endpoint === args.to);
      if (!leader || !target?.memberId) throw new Error(`cannot move the leader: ${JSON.stringify(members)}`);
      if (leader.endpoint !== target.endpoint) await transferLeadership(leader.endpoint, target.memberId);
      return { from: leader.endpoint, to: target.endpoint };
    },
  ),

  /** One write; the output says whether etcd acknowledged it and, if not, the error. */
  put: operation(
    'etcd.put',
    z.strictObject({
      endpoint,
      key: z.string().min(1),
      value: z.string(),
      timeoutMs: numberArgument(z.number().int().min(1)).default(2000),
    }),
    async (args) => {
      try {
        return { ok: true, revision: await put(args.endpoint, args.key, args.value, args.timeoutMs) };
      } catch (error) {
        return { ok: false, error: (error as Error).message };
      }
    },
  ),

  /** Every write the writer saw acknowledged, read back linearizably: lost must be 0. */
  verify_writes: operation(
    'etcd.verify_writes',
    z.strictObject({
      log: z.string().min(1),
      endpoints,
      prefix: z.string().min(1).default('faultline/writer/'),
    }),
    (args) => verifyWrites(args.log, args.endpoints, args.prefix),
  ),
};
