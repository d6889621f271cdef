import { appendFileSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { put, rangePrefix } from './etcd.js';

/** One write attempt, as the writer logs it (one JSON line each). */
export interface WriteRecord {
  seq: number;
  key: string;
  ok: boolean;
  at: number;
  ms: number;
  endpoint: string;
  error?: string;
}

export interface WriterOptions {
  endpoints: string[];
  prefix: string;
  /**
   * The descriptor of the log, opened by the caller without following links (openAppendOnly):
   * the writer often runs as root with its log in a shared directory.
   */
  log: number;
  seconds: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Writes sequence-numbered keys, one at a time, round-robin over the endpoints, and logs every
 * attempt; only a write etcd acknowledged counts as acknowledged. Bounded by `seconds`.
 */
export async function runWriter(
  options: WriterOptions,
): Promise<{ attempts: number; acknowledged: number; lastError?: string }> {
  const until = Date.now() + options.seconds * 1000;
  let seq = 0;
  let acknowledged = 0;
  let lastError: string | undefined;
  while (Date.now() < until && !options.signal?.aborted) {
    seq += 1;
    const endpoint = options.endpoints[seq % options.endpoints.length]!;
    const key = `${options.prefix}${String(seq).padStart(8, '0')}`;
    const started = performance.now();
    const record: WriteRecord = { seq, key, ok: false, at: Date.now(), ms: 0, endpoint };
    try {
      await put(endpoint, key, String(seq), 1500);
      record.ok = true;
      acknowledged += 1;
    } catch (error) {
      record.error = (error as Error).message.slice(0, 200);
      lastError = record.error;
    }
    record.ms = Math.round((performance.now() - started) * 10) / 10;
    appendFileSync(options.log, `${JSON.stringify(record)}\n`);
    await delay(options.intervalMs ?? 20);
  }
  return { attempts: seq, acknowledged, ...(lastError === undefined ? {} : { lastError }) };
}

export function readWriterLog(path: string): WriteRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as WriteRecord);
}

export interface WriteVerdict {
  acknowledged: number;
  failed: number;
  /** Acknowledged writes a linearizable read no longer finds: must be 0. */
  lost: number;
  lostKeys: string[];
  /** The longest run of failed writes, from the first failure to the next success. */
  longestOutageMs: number;
  /** From the last failure to the first success after it: how long recovery took. */
  recoveryMs: number;
}

/** Reads back every acknowledged write with a linearizable range read on the first endpoint that answers. */
export async function verifyWrites(log: string, endpoints: string[], prefix: string): Promise<WriteVerdict> {
  const records = readWriterLog(log);
  // "0 lost" of nothing would pass a hypothesis that measured nothing.
  if (!records.some((record) => record.ok)) {
    throw new Error(
      `no write in ${log} was acknowledged (${records.length} attempts logged), so there is nothing to verify; check that the writer (faultline etcd writer) runs, on this log, and reaches etcd`,
    );
  }
  let stored: Map<string, string> | undefined;
  const errors: string[] = [];
  for (const endpoint of endpoints) {
    try {
      stored = await rangePrefix(endpoint, prefix);
      break;
    } catch (error) {
      errors.push((error as Error).message);
    }
  }
  if (!stored) throw new Error(`no endpoint answered a linearizable read: ${errors.join('; ')}`);
  const acked = records.filter((record) => record.ok);
  const lostKeys = acked.filter((record) => !stored.has(record.key)).map((record) => record.key);
  let longestOutageMs = 0;
  let recoveryMs = 0;
  let failingSince: number | undefined;
  for (const record of records) {
    if (!record.ok) failingSince ??= record.at;
    else if (failingSince !== undefined) {
      recoveryMs = record.at - failingSince;
      longestOutageMs = Math.max(longestOutageMs, recoveryMs);
      failingSince = undefined;
    }
  }
  return {
    acknowledged: acked.length,
    failed: records.length - acked.length,
    lost: lostKeys.length,
    lostKeys: lostKeys.slice(0, 20),
    longestOutageMs,
    recoveryMs,
  };
}
