import type { HttpDelayAttributes } from '../../../model/toxics/http-delay.js';
import type { RequestToxicImplementation } from './index.js';

/**
 * Delays add up: two delay toxics on the same stage hold the request for both. A delay that
 * comes to 0 ms (`delay: 0`, or a jitter that cancels it) holds nothing, so it is no fault: no
 * http.fault event, no count, as a header delay of 0 and a latency toxic of 0.
 */
export const httpDelay: RequestToxicImplementation = {
  plan(plan, attributes, { random, by }) {
    const { stage, delay, jitter } = attributes as HttpDelayAttributes;
    const wait = Math.max(0, jitter > 0 ? delay + random.int(-jitter, jitter) : delay);
    if (wait === 0) return;
    if (stage === 'response') plan.responseDelay += wait;
    else plan.requestDelay += wait;
    plan.fired.push({ by, action: `delay_${stage}`, ms: wait });
  },
};
