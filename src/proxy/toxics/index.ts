import type { ToxicSpec } from '../../model/toxic.js';
import { type ConnectionToxicType, isConnectionToxic } from '../../model/toxics/index.js';
import type { ToxicImplementation } from '../toxic-behaviour.js';
import { bandwidth } from './bandwidth.js';
import { connectDelay } from './connect-delay.js';
import { corrupt } from './corrupt.js';
import { latency } from './latency.js';
import { limitData } from './limit-data.js';
import { limitTime } from './limit-time.js';
import { noop } from './noop.js';
import { refuse } from './refuse.js';
import { resetPeer } from './reset-peer.js';
import { slicer } from './slicer.js';
import { slowClose } from './slow-close.js';
import { timeout } from './timeout.js';

/** Every toxic type the model defines has an implementation; the compiler checks completeness. */
export const toxicImplementations: { readonly [type in ConnectionToxicType]: ToxicImplementation } = {
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
  // Datagram toxics run on udp proxies only (src/proxy/udp); a tcp proxy refuses them.
  udp_latency: noop,
  loss: noop,
  duplicate: noop,
  reorder: noop,
  udp_bandwidth: noop,
};

/** The byte-level implementation of a toxic; request toxics run in the protocol's request handler instead. */
export function connectionImplementation(spec: ToxicSpec): ToxicImplementation {
  if (!isConnectionToxic(spec.type)) {
    throw new TypeError(`${spec.type} is a request toxic; it has no connection implementation`);
  }
  return toxicImplementations[spec.type];
}

/** The hook a toxic runs before the upstream is dialled (connect_delay, refuse), if it has one. */
export function connectHookOf(spec: ToxicSpec): ToxicImplementation['connect'] {
  return isConnectionToxic(spec.type) ? toxicImplementations[spec.type].connect : undefined;
}
