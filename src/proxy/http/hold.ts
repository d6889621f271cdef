import type { ProxyView } from '../proxy-view.js';

/**
 * Holds a request or an answer for a delay toxic: `ms`, or less when the request toxics change
 * (an update or removal releases it at once). Resolves false when the client left meanwhile.
 */
export async function hold(proxy: ProxyView, ms: number, clientGone: AbortSignal): Promise<boolean> {
  await proxy.environment.clock.sleep(ms, AbortSignal.any([clientGone, proxy.requestToxicsChanged]));
  return !clientGone.aborted;
}
