import { HOP_BY_HOP_HEADERS } from '../hop-headers.js';
import { stringMapProblem } from './attribute-value.js';
import type { JsonValue, ToxicDefinition } from './definition.js';

export interface HttpAbortAttributes {
  [name: string]: JsonValue;
  action: string;
  status: number;
  body: string;
  headers: Record<string, string>;
}

export const httpAbort = {
  type: 'http_abort',
  summary:
    'Answers a request without contacting the upstream: a status with a body, or a reset connection or stream.',
  layer: 'request',
  protocols: ['http', 'http2'],
  attributes: [
    {
      kind: 'choice',
      name: 'action',
      choices: ['respond', 'reset'],
      default: 'respond',
      description:
        'respond with the status, or reset the connection (HTTP/1.1) or the stream (RST_STREAM on HTTP/2)',
    },
    {
      name: 'status',
      unit: 'HTTP status',
      default: 503,
      // 1xx answers are interim: a client waits on for the final one (Envoy's range is the same).
      min: 200,
      max: 599,
      description: 'the status of the answer',
    },
    {
      kind: 'text',
      name: 'body',
      default: '',
      maxLength: 1024 * 1024,
      description: 'the body of the answer',
    },
    {
      kind: 'json',
      name: 'headers',
      default: {},
      accepts: 'an object of header name → value, e.g. {"retry-after":"1"}',
      check: (value) => stringMapProblem(value),
      description: 'headers of the answer',
    },
  ],
  check: ({ action, status, body, headers }) => {
    if (action === 'reset') {
      const given = [
        status === 503 ? '' : `status ${status}`,
        body === '' ? '' : `body ${JSON.stringify(body)}`,
        Object.keys(headers).length === 0 ? '' : `headers ${JSON.stringify(headers)}`,
      ].filter((part) => part !== '');
      if (given.length > 0)
        return `action "reset" resets the connection (HTTP/1.1) or the stream (HTTP/2) and sends no answer, so ${given.join(', ')} would never reach the client; leave status, body and headers out (in an update, send them back to 503, "" and {}), or use action "respond"`;
    }
    const names = Object.keys(headers).map((name) => name.toLowerCase());
    const hop = names.find((name) => HOP_BY_HOP_HEADERS.includes(name));
    if (hop !== undefined)
      return `${hop} describes one connection, not the answer, so the proxy sets it itself; accepted: any other header`;
    if (names.includes('content-length'))
      return 'content-length frames the body, so the proxy sets it from body; to change the answer, change body';
    if ((status === 204 || status === 304) && body !== '')
      return `a ${status} answer has no body (RFC 9110), so a client would never see "body"; leave body out, or use a status that carries one`;
    return undefined;
  },
  explain: ({ action, status, body }) =>
    action === 'reset'
      ? 'resets the connection or stream without contacting the upstream'
      : `answers ${status}${body ? ` with a ${body.length}-character body` : ''} without contacting the upstream`,
} as const satisfies ToxicDefinition<HttpAbortAttributes>;
