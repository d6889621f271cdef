import type { HttpAbortAttributes } from '../../../model/toxics/http-abort.js';
import type { RequestToxicImplementation } from './index.js';

export const httpAbort: RequestToxicImplementation = {
  plan(plan, attributes, { by }) {
    const { action, status, body, headers } = attributes as HttpAbortAttributes;
    plan.abort = action === 'reset' ? { kind: 'reset', by } : { kind: 'respond', status, body, headers, by };
    plan.fired.push({ by, action: action === 'reset' ? 'reset' : 'abort' });
  },
};
