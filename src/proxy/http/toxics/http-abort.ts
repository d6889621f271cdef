import type { HttpAbortAttributes } from '../../../model/toxics/http-abort.js';
import { isBodiless } from '../bodiless-length.js';
import type { RequestToxicImplementation } from './index.js';

export const httpAbort: RequestToxicImplementation = {
  plan(plan, attributes, { by }) {
    const { action, status, body, headers } = attributes as HttpAbortAttributes;
    plan.abort =
      action === 'reset'
        ? { kind: 'reset', by }
        : { kind: 'respond', status, body, headers: typedAnswer(status, headers), by };
    plan.fired.push({ by, action: action === 'reset' ? 'reset' : 'abort' });
  },
};

/**
 * The abort's headers, with a content-type for its body, text as Envoy's fault filter sends its
 * own abort: a `content-type` the toxic's headers set wins, and a 204 or 304 carries no content.
 */
function typedAnswer(status: number, headers: Record<string, string>): Record<string, string> {
  if (isBodiless(status)) return headers;
  if (Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) return headers;
  return { 'content-type': 'text/plain; charset=utf-8', ...headers };
}
