import { HOP_BY_HOP_HEADERS } from '../hop-headers.js';
import { stringMapProblem } from './attribute-value.js';
import type { JsonValue, ToxicDefinition } from './definition.js';

export interface HttpModifyAttributes {
  [name: string]: JsonValue;
  request_headers: Record<string, string | null>;
  response_headers: Record<string, string | null>;
  status: number;
  body: string | null;
  json_patch: JsonValue;
}

/** Headers of one hop and framing, and `expect`: each connection sets its own. */
const connectionHeaders = [...HOP_BY_HOP_HEADERS, 'expect'];

const headerMap = {
  kind: 'json',
  default: {},
  accepts: 'an object of header name → value, or null to remove the header',
  check: (value: JsonValue) => stringMapProblem(value, true),
} as const;

/** A gRPC status as the trailer carries it: a whole number, 0 to 2^32 - 1 as Envoy's aborts allow. */
function isGrpcCode(value: string): boolean {
  return /^\d{1,10}$/.test(value) && Number(value) <= 0xffff_ffff;
}

export const httpModify = {
  type: 'http_modify',
  summary:
    'Rewrites requests and responses: headers, the status, the body, or a JSON merge patch of a JSON body.',
  layer: 'request',
  protocols: ['http', 'http2'],
  attributes: [
    {
      ...headerMap,
      name: 'request_headers',
      description: 'headers set (or removed, with null) on the request',
    },
    {
      ...headerMap,
      name: 'response_headers',
      description: 'headers set (or removed, with null) on the response',
    },
    {
      name: 'status',
      unit: 'HTTP status',
      default: 0,
      min: 0,
      max: 599,
      description: 'the response status; 0 keeps it',
    },
    {
      kind: 'json',
      name: 'body',
      default: null,
      accepts: 'a string, or null to keep the body',
      check: (value) =>
        value === null || typeof value === 'string' ? undefined : 'it is neither a string nor null',
      description: 'replaces the response body',
    },
    {
      kind: 'json',
      name: 'json_patch',
      default: null,
      accepts: 'a JSON merge patch object (RFC 7396), or null',
      // typeof null is 'object': null passes here, as it should.
      check: (value) =>
        typeof value === 'object' && !Array.isArray(value) ? undefined : 'it is not an object',
      description: 'merged into a JSON response body (RFC 7396); a body that is not JSON passes unchanged',
    },
  ],
  check: ({ status, body, json_patch: patch, request_headers, response_headers }) => {
    const hop = [...Object.keys(request_headers), ...Object.keys(response_headers)].find((name) =>
      connectionHeaders.includes(name.toLowerCase()),
    );
    if (hop !== undefined) {
      return `${hop} describes one connection, not the message, so the proxy sets it itself; accepted: any other header`;
    }
    const framing = [...Object.keys(request_headers), ...Object.keys(response_headers)].find(
      (name) => name.toLowerCase() === 'content-length',
    );
    if (framing !== undefined) {
      return `${framing} frames the body, so the proxy sets it from the body it sends; to change the body use body or json_patch`;
    }
    const grpcStatus = Object.entries(response_headers).find(
      ([name, value]) => name.toLowerCase() === 'grpc-status' && value !== null && !isGrpcCode(value),
    );
    if (grpcStatus !== undefined)
      return `${grpcStatus[0]} is a gRPC status code, a whole number such as 14 (UNAVAILABLE), received ${JSON.stringify(grpcStatus[1])}; null removes it`;
    if (status !== 0 && status < 200)
      return `status must be 0 (keep) or from 200 to 599 (1xx answers are interim, never final), received ${status}`;
    if (body !== null && patch !== null)
      return 'give body or json_patch, not both: a replaced body has nothing to patch';
    if ((status === 204 || status === 304) && ((body !== null && body !== '') || patch !== null)) {
      const given = body !== null ? 'body' : 'json_patch';
      return `a ${status} answer has no body (RFC 9110), so a client would never see "${given}"; leave ${given} out, or use a status that carries one`;
    }
    return undefined;
  },
  explain: (attributes) => {
    const changes: string[] = [];
    const headers = (map: Record<string, string | null>) => Object.keys(map).join(', ');
    if (Object.keys(attributes.request_headers).length > 0)
      changes.push(`request headers ${headers(attributes.request_headers)}`);
    if (Object.keys(attributes.response_headers).length > 0)
      changes.push(`response headers ${headers(attributes.response_headers)}`);
    if (attributes.status !== 0) changes.push(`the status to ${attributes.status}`);
    if (attributes.body !== null) changes.push('the response body');
    if (attributes.json_patch !== null) changes.push('the JSON response body with a merge patch');
    return changes.length === 0
      ? 'passes requests unchanged (nothing to modify)'
      : `rewrites ${changes.join(', ')}`;
  },
} as const satisfies ToxicDefinition<HttpModifyAttributes>;
