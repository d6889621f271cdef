import type { HttpDelayAttributes } from '../../../model/toxics/http-delay.js';
import type { RequestToxicImplementation } from './index.js';

/** Delays add up: two delay toxics on the same stage hold the request for both. */
export const httpDelay: RequestToxicImplementation = {
  plan(plan, attributes, { random, by }) {
    const { stage, delay, jitter } = attributes as HttpDelayAttributes;
    const wait = Math.max(0, jitter > 0 ? delay + random.int(-jitter, jitter) : delay);
    if (stage === 'response') plan.responseDelay += wait;
    else plan.requestDelay += wait;
    plan.fired.push({ by, action: `delay_${stage}`, ms: wait });
  },
};
