import { type Stream, streams } from '../model/toxic.js';

/** Bytes per stream, as a proxy's stats count them. */
export type StreamBytes = Record<Stream, { received: number; sent: number }>;

/** What a proxy passed while it had this listen address and upstream. */
export interface AddressBytes {
  readonly listen: string;
  readonly upstream: string;
  readonly bytes: StreamBytes;
}

/**
 * The bytes a proxy passed under its earlier listen addresses and upstreams. Toxiproxy's byte
 * counters are labelled with both, and a proxy moved to another upstream starts new series there
 * while the old ones keep what went to the old upstream; one series relabelled on each change
 * would say every byte went to the new one.
 */
export class AddressHistory {
  private readonly earlier = new Map<string, AddressBytes>();
  /**
   * list()'s answer, made again only when a pair is added: every proxy's stats() asks for it, on
   * each of a scrape's metrics, and a proxy that never moved has none.
   */
  private listed: readonly AddressBytes[] = [];

  /** Before listen or upstream changes: keeps what `total` has beyond the earlier pairs under this one. */
  retire(listen: string, upstream: string, total: StreamBytes): void {
    const passed = bytesUnder(total, this.list());
    const key = `${listen} ${upstream}`;
    const kept = this.earlier.get(key);
    if (kept) for (const stream of streams) add(kept.bytes[stream], passed[stream]);
    else {
      this.earlier.set(key, { listen, upstream, bytes: passed });
      this.listed = [...this.earlier.values()];
    }
  }

  /** The earlier pairs and their bytes (the same array until a pair is added). */
  list(): readonly AddressBytes[] {
    return this.listed;
  }
}

function add(into: { received: number; sent: number }, more: { received: number; sent: number }): void {
  into.received += more.received;
  into.sent += more.sent;
}

/**
 * A proxy's byte series as Toxiproxy labels them: its current listen address and upstream with
 * what `total` counts beyond the `earlier` pairs, then each earlier pair with its own bytes.
 */
export function addressSeries(
  listen: string,
  upstream: string,
  total: StreamBytes,
  earlier: readonly AddressBytes[],
): AddressBytes[] {
  if (earlier.length === 0) return [{ listen, upstream, bytes: total }];
  return [{ listen, upstream, bytes: bytesUnder(total, earlier) }, ...earlier];
}

/** What `total` counts beyond the earlier pairs. */
function bytesUnder(total: StreamBytes, earlier: readonly AddressBytes[]): StreamBytes {
  const left = structuredClone(total);
  for (const { bytes } of earlier) {
    for (const stream of streams) {
      left[stream].received -= bytes[stream].received;
      left[stream].sent -= bytes[stream].sent;
    }
  }
  return left;
}
