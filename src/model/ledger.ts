import { z } from 'zod';
import { proxyProtocols } from './protocol.js';
import { isCgroupName, LAB_HOST_NAME, LAB_NAME } from './system-names.js';

/**
 * The ledger's records: what each injected fault needs to be taken back. Every undo is a
 * structured record that faultline turns into an action it builds itself (an API call, a signal
 * to an identified process, a command with validated names); none carries a command line or a
 * path to act on blindly. Records are read back only through these schemas.
 */

export const LEDGER_FORMAT = 1;

const processIdentity = z.strictObject({
  pid: z
    .number()
    .int()
    .min(1)
    .max(2 ** 22),
  /** Field 22 of /proc/PID/stat: a pid reused by another process never matches. */
  startTime: z.string().regex(/^\d{1,20}$/),
});

const cgroupName = z
  .string()
  .refine(isCgroupName, 'a cgroup name is 1-64 letters, digits, dot, dash or underscore, and not . or ..');

/** A cgroup path as /proc/PID/cgroup shows it: absolute, no . or .. segments. */
const cgroupPath = z
  .string()
  .max(4096)
  .refine(
    (path) =>
      path === '/' ||
      (path.startsWith('/') &&
        path
          .slice(1)
          .split('/')
          .every((part) => part !== '' && part !== '.' && part !== '..' && !/[\0\n]/.test(part))),
    'a cgroup path must be absolute, without empty, . or .. segments',
  );

const labName = z.string().regex(LAB_NAME, 'a lab name is 1-8 lower-case letters or digits');
const hostName = z
  .string()
  .regex(LAB_HOST_NAME, 'a host name is a letter and at most 11 more letters or digits');
const proxyName = z.string().min(1).max(1000);
const decimal = z.string().regex(/^\d{1,20}$/);
const address = z.string().max(300);

/** A toxic as the API shows it, to be sent back as it was. */
const toxicDefinition = z.strictObject({
  name: proxyName,
  type: z.string().min(1).max(100),
  stream: z.enum(['upstream', 'downstream']),
  toxicity: z.number().min(0).max(1),
  attributes: z.record(z.string(), z.json()),
});

/** A deleted proxy as the API showed it before the run changed it, without its name. */
const proxyDefinition = z.strictObject({
  listen: address,
  upstream: address,
  enabled: z.boolean(),
  protocol: z.enum(proxyProtocols).optional(),
  header_faults: z.boolean().optional(),
  idle_timeout: z.number().int().min(0).optional(),
  tls: z.record(z.string(), z.json()).optional(),
  upstream_tls: z.record(z.string(), z.json()).optional(),
  toxics: z.array(toxicDefinition).max(10_000),
});

/**
 * What a run made, as the server showed it then: a proxy or toxic of that name that differs now
 * was made again by someone else, and is left alone. Absent in ledgers of older versions.
 */
const madeProxy = z.strictObject({
  listen: address,
  upstream: address,
  protocol: z.enum(proxyProtocols).optional(),
});
const madeToxic = toxicDefinition.omit({ name: true });

export const proxyUndoSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('delete-proxy'), proxy: proxyName, made: madeProxy.optional() }),
  /** A proxy the run deleted, created again as it was (POST /proxies with its toxics). */
  z.strictObject({ kind: z.literal('recreate-proxy'), proxy: proxyName, body: proxyDefinition }),
  z.strictObject({
    kind: z.literal('remove-toxic'),
    proxy: proxyName,
    toxic: proxyName,
    made: madeToxic.optional(),
  }),
  z.strictObject({
    kind: z.literal('update-proxy'),
    proxy: proxyName,
    body: z.strictObject({
      listen: address.optional(),
      upstream: address.optional(),
      enabled: z.boolean().optional(),
    }),
  }),
  z.strictObject({
    kind: z.literal('update-toxic'),
    proxy: proxyName,
    toxic: proxyName,
    body: z.strictObject({
      toxicity: z.number().min(0).max(1).optional(),
      attributes: z.record(z.string(), z.json()).optional(),
    }),
  }),
]);

export const systemUndoSchema = z.discriminatedUnion('kind', [
  /** SIGTERM, then SIGKILL, to a process faultline started (a stress worker, a tracer). */
  z.strictObject({ kind: z.literal('stop-process'), process: processIdentity }),
  /**
   * A process activity's process, recorded before its program runs: it is stopped (SIGTERM, then
   * SIGKILL) if still the process recorded, with every process whose environment holds the mark.
   */
  z.strictObject({
    kind: z.literal('stop-activity'),
    process: processIdentity,
    mark: z.string().regex(/^[0-9a-f]{32}$/, 'an activity mark is 32 lower-case hexadecimal digits'),
  }),
  /** SIGCONT to a process faultline paused. */
  z.strictObject({ kind: z.literal('resume-process'), process: processIdentity }),
  /** Move the processes of faultline/NAME back where they were, then remove the group. */
  z.strictObject({
    kind: z.literal('remove-cgroup'),
    cgroup: cgroupName,
    moved: z.array(
      z.strictObject({
        pid: processIdentity.shape.pid,
        from: z.strictObject({
          cpu: cgroupPath.optional(),
          memory: cgroupPath.optional(),
          pids: cgroupPath.optional(),
        }),
      }),
    ),
  }),
  /** Delete a file this run created, only while the path still names that very file. */
  z.strictObject({
    kind: z.literal('remove-file'),
    path: z
      .string()
      .max(4096)
      .refine((path) => path.startsWith('/') && !path.includes('\0'), 'the path must be absolute'),
    device: decimal,
    inode: decimal,
  }),
  z.strictObject({
    kind: z.literal('remove-partition'),
    lab: labName,
    from: hostName,
    to: hostName,
    oneWay: z.boolean(),
    /** The tc filter priority the partition's filters alone have (absent in older ledgers). */
    priority: z
      .number()
      .int()
      .min(1, 'a filter priority is 1 to 65535')
      .max(65_535, 'a filter priority is 1 to 65535')
      .optional(),
  }),
  z.strictObject({ kind: z.literal('remove-limit'), lab: labName, host: hostName }),
  z.strictObject({ kind: z.literal('remove-delay'), lab: labName, host: hostName }),
  z.strictObject({ kind: z.literal('destroy-lab'), lab: labName }),
]);

export type ProxyUndo = z.infer<typeof proxyUndoSchema>;
export type SystemUndo = z.infer<typeof systemUndoSchema>;
export type Undo = ProxyUndo | SystemUndo;

const systemKinds = new Set<string>(systemUndoSchema.options.map((option) => option.shape.kind.value));

export function isSystemUndo(undo: Undo): undo is SystemUndo {
  return systemKinds.has(undo.kind);
}

export const undoSchema = z.union([proxyUndoSchema, systemUndoSchema]);

/** Every kind of undo faultline carries out. */
export const undoKinds: readonly string[] = [...proxyUndoSchema.options, ...systemUndoSchema.options].map(
  (option) => option.shape.kind.value,
);

const isoTime = z.iso.datetime();

export const ledgerHeaderSchema = z.strictObject({
  format: z.literal(LEDGER_FORMAT),
  run: z.string().regex(/^[A-Za-z0-9._-]{1,120}$/),
  /** The process that wrote the ledger, so `rollback` leaves a live run alone. */
  pid: processIdentity.shape.pid,
  startTime: processIdentity.shape.startTime.nullable(),
  uid: z.number().int().min(0),
  /** The directory the run was started in, shown by `faultline rollback`. */
  cwd: z.string().min(1).max(4096),
  experiment: z.string().max(4096),
  started: isoTime,
});

export const ledgerEntrySchema = z.strictObject({
  seq: z.number().int().min(1),
  time: isoTime,
  /** The control API a proxy fault was made through; absent for faults on this machine. */
  server: z.url({ protocol: /^https?$/ }).optional(),
  description: z.string().max(1000),
  undo: undoSchema,
});

/** Appended when an entry's fault is gone (undone, or ended by itself): it is never undone again. */
export const ledgerSettledSchema = z.strictObject({ settled: z.number().int().min(1), time: isoTime });

export type LedgerHeader = z.infer<typeof ledgerHeaderSchema>;
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;
export type NewLedgerEntry = Omit<LedgerEntry, 'seq' | 'time'>;

/**
 * Faults a run injected, each written with its undo before the call that made it returns. What a
 * run undoes itself it takes from memory, never from the file.
 */
export interface Ledger {
  readonly path: string | undefined;
  /** Records a fault; returns its number, for `settle`. */
  record(entry: NewLedgerEntry): number;
  /** The fault is gone: its entry is never undone again. */
  settle(seq: number): void;
  /**
   * Settles every live entry, in this ledger and in the current user's other left-behind ledgers,
   * whose undo `done` says was just carried out another way (`cgroup remove`, `net destroy`).
   */
  settleWhere(done: (undo: Undo) => boolean): void;
  /**
   * The undos of the live entries `wanted` picks, in this ledger and in the current user's other
   * ledgers, so an action done another way (`cgroup remove`) can do it as the undo would.
   */
  liveWhere(wanted: (undo: Undo) => boolean): Undo[];
  /** Entries not yet settled, oldest first. */
  live(): LedgerEntry[];
  /** Removes the file, or keeps it when faults may still be in place. */
  close(keep: boolean): void;
}

export const noLedger: Ledger = {
  path: undefined,
  record: () => 0,
  settle: () => undefined,
  settleWhere: () => undefined,
  liveWhere: () => [],
  live: () => [],
  close: () => undefined,
};
