import type { Call } from './fault.js';

/**
 * What faultline reports each time a fault takes effect, in a Node process (the "faultline:fault"
 * diagnostics channel) and in a page (the browser script's "faultline:fault" event): one shape, so
 * one reader handles both.
 */
export interface FaultApplied {
  fault: string;
  target: string;
  effect: string;
  call: Call;
  /**
   * Set when a delay was cut short and its effect never happened: how many ms the call was held,
   * and what ended the hold ('app': the calling app's own abort, timeout or destroy, or the page's;
   * 'client': the HTTP client of a faulted server went away; 'replaced': the faults were replaced or
   * cleared, or the browser script uninstalled; 'peer': the server of a page's WebSocket closed it).
   */
  cutShort?: { heldMs: number; by: CutShortBy };
}

/** What ended a delay before its effect. */
export type CutShortBy = 'app' | 'client' | 'replaced' | 'peer';
