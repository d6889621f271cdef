import type { FaultProxy } from './proxy.js';
import type { UdpProxy } from './udp/udp-proxy.js';

/** A proxy as the engine and the API hold it: a stream proxy (tcp, http, http2) or a datagram one (udp). */
export type EngineProxy = FaultProxy | UdpProxy;
