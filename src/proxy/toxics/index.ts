import type { ToxicType } from '../../model/toxics/index.js';
import type { ToxicImplementation } from '../toxic-behaviour.js';
import { bandwidth } from './bandwidth.js';
import { connectDelay } from './connect-delay.js';
import { corrupt } from './corrupt.js';
import { latency } from './latency.js';
import { limitData } from './limit-data.js';
import { noop } from './noop.js';
import { refuse } from './refuse.js';
import { resetPeer } from './reset-peer.js';
import { slicer } from './slicer.js';
import { slowClose } from './slow-close.js';
import { timeout } from './timeout.js';

/** Every toxic type the model defines has an implementation; the compiler checks completeness. */
export const toxicImplementations: { readonly [type in ToxicType]: ToxicImplementation } = {
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
  corrupt,
  // Datagram toxics run on udp proxies only (src/proxy/udp); a tcp proxy refuses them.
  udp_latency: noop,
  loss: noop,
  duplicate: noop,
  reorder: noop,
  udp_bandwidth: noop,
};
