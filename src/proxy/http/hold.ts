import type { ProxyView } from '../proxy-view.js';
import {
  delayStillPlanned,
  dropPendingFaults,
  dropRemovedFaults,
  type RequestPlan,
  stillOnProxy,
} from './request-plan.js';

/** The reason a proxy's held requests are released with when halt or reset stops every fault. */
export const FAULTS_STOPPED = 'faults stopped';

export interface HoldEnd {
  /** The client went away while held: nothing more is owed to it. */
  readonly clientLeft: boolean;
  /** How long it was held, in ms. */
  readonly heldMs: number;
}

const heldByStage = new WeakMap<RequestPlan, Partial<Record<'request' | 'response', number>>>();

/** How long the delays held the plan's request or its answer, once they have; for events. */
export function heldMs(plan: RequestPlan, stage: 'request' | 'response'): number | undefined {
  return heldByStage.get(plan)?.[stage];
}

/**
 * Holds a request (`request`) or its answer (`response`) for the delays its plan has at that
 * stage (toxics' and a header's), then leaves the plan with what is still to be done:
 * - a delay toxic updated or removed stops holding at once; the other delays keep holding for
 *   their part, and what removed toxics had decided for the request is dropped from its plan;
 * - halt or reset stops every fault: it goes on at once with no further fault.
 */
export async function hold(
  proxy: ProxyView,
  plan: RequestPlan,
  stage: 'request' | 'response',
  clientGone: AbortSignal,
): Promise<HoldEnd> {
  const clock = proxy.environment.clock;
  const stillOn = stillOnProxy(proxy);
  const started = clock.now();
  const done = proxy.holdStarted();
  let faultsStopped = false;
  try {
    for (;;) {
      const changed = proxy.requestToxicsChanged;
      const left = delayStillPlanned(plan, stage, stillOn) - (clock.now() - started);
      if (left <= 0) break;
      await clock.sleep(left, AbortSignal.any([clientGone, changed]));
      if (clientGone.aborted || !changed.aborted) break;
      if (changed.reason === FAULTS_STOPPED) {
        faultsStopped = true;
        break;
      }
    }
  } finally {
    done();
  }
  if (faultsStopped) dropPendingFaults(plan, stage);
  else if (!clientGone.aborted) dropRemovedFaults(plan, stage, stillOn);
  const held = Math.round(clock.now() - started);
  heldByStage.set(plan, { ...heldByStage.get(plan), [stage]: held });
  return { clientLeft: clientGone.aborted, heldMs: held };
}
