import type { ProxyProtocol } from '../model/protocol.js';
import { httpProtocol } from './http/http-protocol.js';
import { http2Protocol } from './http2/http2-protocol.js';
import type { Protocol } from './protocol.js';
import { notYetProtocol, tcpProtocol } from './tcp-protocol.js';

/** Every protocol the model names has an entry; the compiler checks completeness. */
export const protocols: { readonly [name in ProxyProtocol]: Protocol } = {
  tcp: tcpProtocol,
  http: httpProtocol,
  http2: http2Protocol,
  udp: notYetProtocol('udp'),
};
