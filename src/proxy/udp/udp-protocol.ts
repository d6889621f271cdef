import { FaultlineError } from '../../model/errors.js';
import type { Protocol } from '../protocol.js';
import { checkDatagramToxic, UdpProxy } from './udp-proxy.js';

/** Datagrams: a flow per client address, each with its own upstream socket (see udp-proxy.ts). */
export const udpProtocol: Protocol = {
  name: 'udp',
  checkProxy: () => undefined,
  checkToxic: checkDatagramToxic,
  createProxy: (spec, environment) =>
    new UdpProxy(spec.name, spec.listen, spec.upstream, environment, {
      ...(spec.idleTimeout === undefined ? {} : { idleTimeoutMs: spec.idleTimeout }),
    }),
  open: (proxy) => {
    throw new FaultlineError('FAULTLINE_ERR_INTERNAL', 'a udp proxy has no stream session', {
      hint: `proxy ${JSON.stringify(proxy.name)}: udp proxies are built by udpProtocol.createProxy`,
    });
  },
};
