import type { ProxyProtocol } from './protocol.js';
import type { TlsOrigination, TlsTermination } from './tls-spec.js';
import type { Stream } from './toxic.js';
import type { Attributes, JsonValue, ToxicType } from './toxics/index.js';

/** A toxic as the control API sends it. */
export interface ToxicJson {
  /** The toxic's own attributes, then match, first, after, every when they are set. */
  attributes: Attributes;
  name: string;
  type: ToxicType;
  stream: Stream;
  toxicity: number;
}

/** A proxy as the control API sends it. */
export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  /** Omitted for tcp, so a tcp proxy's JSON is Toxiproxy's. */
  protocol?: ProxyProtocol;
  /** Omitted when off. */
  header_faults?: boolean;
  /** udp only: ms a flow may go without datagrams before it is closed. */
  idle_timeout?: number;
  /** Omitted without TLS; private keys show as "[redacted]". */
  tls?: TlsTermination;
  upstream_tls?: TlsOrigination;
  Logger: Record<string, never>;
  toxics: ToxicJson[];
}

export interface CreateProxyBody {
  name: string;
  upstream: string;
  listen?: string;
  enabled?: boolean;
  protocol?: ProxyProtocol;
  header_faults?: boolean;
  idle_timeout?: number;
  tls?: TlsTermination;
  upstream_tls?: TlsOrigination;
  toxics?: CreateToxicBody[];
}

export interface UpdateProxyBody {
  listen?: string;
  upstream?: string;
  enabled?: boolean;
  header_faults?: boolean;
  idle_timeout?: number;
  /** null takes TLS off. */
  tls?: TlsTermination | null;
  upstream_tls?: TlsOrigination | null;
}

export interface CreateToxicBody {
  type: ToxicType | string;
  name?: string;
  stream?: Stream | string;
  toxicity?: number;
  attributes?: Record<string, JsonValue>;
}

export interface UpdateToxicBody {
  toxicity?: number;
  attributes?: Record<string, JsonValue>;
}
