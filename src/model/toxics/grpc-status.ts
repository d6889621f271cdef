import type { JsonValue, ToxicDefinition } from './definition.js';

export interface GrpcStatusAttributes {
  [name: string]: JsonValue;
  code: number;
  message: string;
}

/** The names of gRPC status codes 0–16, for explanations and events. */
export const grpcCodeNames = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

export const grpcStatus = {
  type: 'grpc_status',
  summary:
    'Answers a gRPC call with a status code and message in the trailers, without contacting the upstream.',
  layer: 'request',
  protocols: ['http2'],
  attributes: [
    {
      name: 'code',
      unit: 'gRPC status code',
      default: 14,
      // 0 OK is no fault: with no message after it, grpc-js reports "12 No message received".
      min: 1,
      max: 16,
      description:
        'e.g. 14 UNAVAILABLE, 4 DEADLINE_EXCEEDED; 0 OK is not a fault (a trailers-only OK has no reply message)',
    },
    {
      kind: 'text',
      name: 'message',
      default: '',
      maxLength: 4096,
      description: 'the grpc-message the client sees',
    },
  ],
  explain: ({ code, message }) => {
    const name = grpcCodeNames[code];
    return `answers gRPC calls with status ${code}${name === undefined ? '' : ` ${name}`}${message ? ` "${message}"` : ''} without contacting the upstream`;
  },
} as const satisfies ToxicDefinition<GrpcStatusAttributes>;
