import type { ProxyView } from '../proxy-view.js';
import { type FiredOutcome, reportClientLeft, reportFired, type RequestLabel } from './report.js';
import type { RequestPlan } from './request-plan.js';

/**
 * Reports the faults of one forwarded request once, when its answer ends, as Envoy writes its
 * access log entry at the end of the stream: only then is it known whether the client got the
 * whole answer, a cut one, or left before the end. Whatever comes after the first report (the
 * client's connection closing behind a cut answer) is not reported again.
 */
export class AnswerReport {
  private reported = false;

  constructor(
    private readonly proxy: ProxyView,
    private readonly plan: RequestPlan,
    private readonly label: RequestLabel,
  ) {}

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
  heldWhenClientLeft(heldMs: number): void {
    if (this.reported) return;
    this.reported = true;
    reportClientLeft(this.proxy, this.plan, this.label, 'response', heldMs);
  }

  /** The client left: after `status` and `bodyBytes` of the body, or before the answer's headers. */
  clientLeft(status: number | undefined, bodyBytes: number | undefined, skipped?: string): void {
    this.whole({ status, skipped, unfinished: { by: 'client', bodyBytes } });
  }
}
