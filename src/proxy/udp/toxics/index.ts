import type { ToxicType } from '../../../model/toxics/index.js';
import type { DatagramToxic } from '../datagram.js';
import { bandwidth } from './bandwidth.js';
import { corrupt } from './corrupt.js';
import { duplicate } from './duplicate.js';
import { latency } from './latency.js';
import { loss } from './loss.js';
import { reorder } from './reorder.js';

/** The toxics a udp proxy runs, by type; every other type is refused on udp proxies. */
export const datagramToxics: Partial<Record<ToxicType, DatagramToxic>> = {
  noop: { create: (context) => ({ datagram: (datagram) => context.push(datagram) }) },
  udp_latency: latency,
  loss,
  duplicate,
  reorder,
  corrupt,
  udp_bandwidth: bandwidth,
};

export const datagramToxicTypes = Object.keys(datagramToxics) as ToxicType[];
