import { bandwidth } from './bandwidth.js';
import { connectDelay } from './connect-delay.js';
import { corrupt } from './corrupt.js';
import type { AttributeSpec, ToxicDefinition } from './definition.js';
import { grpcStatus } from './grpc-status.js';
import { httpAbort } from './http-abort.js';
import { httpDelay } from './http-delay.js';
import { httpModify } from './http-modify.js';
import { latency } from './latency.js';
import { limitData } from './limit-data.js';
import { limitTime } from './limit-time.js';
import { noop } from './noop.js';
import { refuse } from './refuse.js';
import { resetPeer } from './reset-peer.js';
import { slicer } from './slicer.js';
import { slowClose } from './slow-close.js';
import { timeout } from './timeout.js';
import { udpBandwidth } from './udp-bandwidth.js';
import { udpDuplicate } from './udp-duplicate.js';
import { udpLatency } from './udp-latency.js';
import { udpLoss } from './udp-loss.js';
import { udpReorder } from './udp-reorder.js';

export const toxicDefinitions = {
  noop,
  latency,
  bandwidth,
  slow_close: slowClose,
  timeout,
  reset_peer: resetPeer,
  slicer,
  limit_data: limitData,
  connect_delay: connectDelay,
  refuse,
  limit_time: limitTime,
  corrupt,
  udp_latency: udpLatency,
  loss: udpLoss,
  duplicate: udpDuplicate,
  reorder: udpReorder,
  udp_bandwidth: udpBandwidth,
  http_abort: httpAbort,
  http_delay: httpDelay,
  http_modify: httpModify,
  grpc_status: grpcStatus,
} as const satisfies Record<string, ToxicDefinition>;

export type ToxicType = keyof typeof toxicDefinitions;
export const toxicTypes = Object.keys(toxicDefinitions) as ToxicType[];

export function isToxicType(value: unknown): value is ToxicType {
  return typeof value === 'string' && Object.hasOwn(toxicDefinitions, value);
}

export function definitionOf(type: ToxicType): ToxicDefinition & { attributes: readonly AttributeSpec[] } {
  return toxicDefinitions[type];
}

/** Toxics that act on the bytes of a connection, on every protocol: Toxiproxy's. */
export type ConnectionToxicType = {
  [T in ToxicType]: (typeof toxicDefinitions)[T]['layer'] extends 'connection' ? T : never;
}[ToxicType];

/** Toxics that act on each request of an http or http2 proxy. */
export type RequestToxicType = Exclude<ToxicType, ConnectionToxicType>;

export function isConnectionToxic(type: ToxicType): type is ConnectionToxicType {
  return toxicDefinitions[type].layer === 'connection';
}

export type {
  AttributeSpec,
  Attributes,
  AttributeValue,
  IntegerAttributes,
  JsonValue,
  ToxicDefinition,
  ToxicLayer,
} from './definition.js';
