import type { ProxyView } from '../proxy-view.js';
import { type FiredOutcome, reportClientLeft, reportFired, type RequestLabel } from './report.js';
import type { RequestPlan } from './request-plan.js';

/**
 * Reports the faults of one forwarded request once, when they have acted and what the client got
 * of them is known: as the answer's headers go out (its status), as Envoy's fault filter counts
 * its faults at the headers, so an answer that never ends (server-sent events, a long poll) is
 * reported all the same; or when the request ends before that (the upstream failed, the client
 * left). A gRPC call with a body is reported when it ends, as its status comes last. What comes
 * after the first report (the body cut, the client gone) is not reported again here: the
 * upstream's cut is its own `http.upstream_failed` event.
 */
export class AnswerReport {
  private reported = false;

  constructor(
    private readonly proxy: ProxyView,
    private readonly plan: RequestPlan,
    private readonly label: RequestLabel,
  ) {}

  /** The answer's headers went to the client with `status`: the faults that shaped them have acted. */
  sent(status: number, skipped?: string): void {
    this.whole({ status, skipped });
  }

  /** The answer went out whole (or the proxy's own answer stood in for it). */
  whole(outcome: FiredOutcome): void {
    if (this.reported) return;
    this.reported = true;
    reportFired(this.proxy, this.plan, this.label, outcome);
  }

  /** The upstream cut the answer after its headers: the client got `status` and `bodyBytes` of it. */
  cut(status: number, bodyBytes: number, skipped?: string): void {
    this.whole({ status, skipped, unfinished: { by: 'upstream', bodyBytes } });
  }

  /** The client left while a delay held its answer (reported as the delay's, with how long it held). */
  heldWhenClientLeft(heldMs: number, clientResetCode?: number): void {
    if (this.reported) return;
    this.reported = true;
    reportClientLeft(this.proxy, this.plan, this.label, 'response', heldMs, clientResetCode);
  }

  /** The client left: after `status` and `bodyBytes` of the body, or before the answer's headers. */
  clientLeft(
    status: number | undefined,
    bodyBytes: number | undefined,
    skipped?: string,
    clientResetCode?: number,
  ): void {
    this.whole({ status, skipped, clientResetCode, unfinished: { by: 'client', bodyBytes } });
  }
}
