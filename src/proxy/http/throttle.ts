import type { ProxyView } from '../proxy-view.js';
import { FAULTS_STOPPED } from './hold.js';

/** Envoy's response rate limit sends a sixteenth of a second's worth of bytes at a time. */
const SLICES_PER_SECOND = 16;

/**
 * An answer's body at `kibps` KiB/s, as Envoy's response rate limit sends it: one slice (a
 * sixteenth of a second's bytes) at once, then a slice every sixteenth of a second, so the
 * client reads the body at that rate whatever the upstream's speed. Halt or reset ends the
 * throttle and the rest goes at full speed; a client that leaves ends it (and the body).
 */
export async function* throttled(
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
  kibps: number,
  proxy: ProxyView,
  clientGone: AbortSignal,
): AsyncGenerator<Buffer> {
  const clock = proxy.environment.clock;
  const bytesPerMs = (kibps * 1024) / 1000;
  const slice = Math.max(1, Math.floor((kibps * 1024) / SLICES_PER_SECOND));
  const started = clock.now();
  let sent = 0;
  let stopped = false;
  for await (const chunk of body) {
    let offset = 0;
    while (offset < chunk.length) {
      if (stopped) {
        yield chunk.subarray(offset);
        break;
      }
      const piece = chunk.subarray(offset, offset + slice);
      // A piece may go once the bytes before it, less the first slice, have had their time.
      const wait = started + Math.max(0, sent + piece.length - slice) / bytesPerMs - clock.now();
      if (wait > 0) {
        const changed = proxy.requestToxicsChanged;
        await clock.sleep(wait, AbortSignal.any([clientGone, changed]));
        if (clientGone.aborted) return;
        stopped = changed.aborted && changed.reason === FAULTS_STOPPED;
        // Woken early by a toxic change that is no halt: the wait is worked out again.
        if (changed.aborted) continue;
      }
      yield piece;
      sent += piece.length;
      offset += piece.length;
    }
  }
}
