import type { ProxyView } from '../proxy-view.js';

/** The reason a proxy's held requests are released with when halt or reset stops every fault. */
export const FAULTS_STOPPED = 'faults stopped';

export interface HoldEnd {
  /** The client went away while held: nothing more is owed to it. */
  readonly clientLeft: boolean;
  /** How long it was held, in ms. */
  readonly heldMs: number;
  /** Halt or reset released it: it goes on with no further fault. */
  readonly faultsStopped: boolean;
}

/**
 * Holds a request or an answer for a delay (a toxic's or a header's): `ms`, or less when the
 * request toxics change (an update or removal releases it at once), or when halt or reset
 * stops every fault.
 */
export async function hold(proxy: ProxyView, ms: number, clientGone: AbortSignal): Promise<HoldEnd> {
  const clock = proxy.environment.clock;
  const released = proxy.requestToxicsChanged;
  const started = clock.now();
  const done = proxy.holdStarted();
  try {
    await clock.sleep(ms, AbortSignal.any([clientGone, released]));
  } finally {
    done();
  }
  return {
    clientLeft: clientGone.aborted,
    heldMs: Math.round(clock.now() - started),
    faultsStopped: released.aborted && released.reason === FAULTS_STOPPED,
  };
}
