import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Engine } from '../proxy/engine.js';
import { reportUnsampledLagAsNaN } from './event-loop-lag.js';
import type { MetricSets } from './metric-sets.js';
import { statsPerScrape } from './stats-per-scrape.js';
import { dropTotalNamedGauges } from './total-named-gauges.js';

/**
 * Prometheus metrics read from the engine at scrape time, so the data path only bumps plain
 * counters. Byte counters keep Toxiproxy's names and labels so existing dashboards work, and,
 * unlike Toxiproxy, they count live connections too, not only closed ones. `sets` chooses the
 * proxy series, the runtime ones, or both, as -proxy-metrics and -runtime-metrics do.
 */
export function createMetrics(engine: Engine, sets: MetricSets): Registry {
  const registry = new Registry();
  if (sets.runtime) {
    collectDefaultMetrics({ register: registry, prefix: 'faultline_' });
    reportUnsampledLagAsNaN(registry, 'faultline_');
    dropTotalNamedGauges(registry, 'faultline_');
  }
  if (sets.proxy) proxyMetrics(registry, engine);
  return registry;
}

/** Every series about proxies, their connections and toxics: what -proxy-metrics turns on. */
function proxyMetrics(registry: Registry, engine: Engine): void {
  const statsOf = statsPerScrape();
  byteCounter(
    registry,
    engine,
    statsOf,
    'received',
    'Bytes read from the source side, per proxy and direction.',
  );
  byteCounter(
    registry,
    engine,
    statsOf,
    'sent',
    'Bytes written to the destination side, per proxy and direction.',
  );
  new Counter({
    name: 'faultline_connections_total',
    help: 'Client connections accepted, per proxy.',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of engine.list()) this.inc({ proxy: proxy.name }, statsOf(proxy).connectionsTotal);
    },
  });
  new Gauge({
    name: 'faultline_connections_active',
    help: 'Client connections open now and linked to the upstream, per proxy (held ones: faultline_connections_held).',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of engine.list()) this.set({ proxy: proxy.name }, proxy.connections);
    },
  });
  new Gauge({
    name: 'faultline_connections_held',
    help: 'Client connections accepted and held by a connect-time toxic (connect_delay) before the upstream is dialled, per proxy; not in faultline_connections_active.',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of engine.list()) this.set({ proxy: proxy.name }, proxy.connectionsHeld);
    },
  });
  new Gauge({
    name: 'faultline_http_requests_active',
    help: 'Requests of an http or http2 proxy in flight now (Envoy downstream_rq_active): from the head to the end of the answer; HTTP/2 streams and WebSockets while open, per proxy.',
    labelNames: ['proxy'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of engine.list()) {
        if ('requestsActive' in proxy && (proxy.protocol === 'http' || proxy.protocol === 'http2'))
          this.set({ proxy: proxy.name }, proxy.requestsActive);
      }
    },
  });
  new Gauge({
    name: 'faultline_toxics_active',
    help: 'Toxics configured, per proxy and stream.',
    labelNames: ['proxy', 'stream'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of engine.list()) {
        for (const stream of ['upstream', 'downstream']) {
          this.set(
            { proxy: proxy.name, stream },
            proxy.toxics.filter((toxic) => toxic.stream === stream).length,
          );
        }
      }
    },
  });
  new Counter({
    name: 'faultline_toxic_actions_total',
    help: 'Times a toxic acted on data or a connection (a chunk delayed, throttled, dropped or sliced; a reset, close or limit).',
    labelNames: ['proxy', 'toxic', 'type', 'stream'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of engine.list()) {
        const actions = statsOf(proxy).toxicActions;
        for (const toxic of proxy.toxics) {
          const labels = { proxy: proxy.name, toxic: toxic.name, type: toxic.type, stream: toxic.stream };
          this.inc(labels, actions.get(toxic.name) ?? 0);
        }
      }
    },
  });
  new Counter({
    name: 'faultline_tls_handshake_failures_total',
    help: 'TLS handshakes that failed, per proxy, side (client: termination, upstream: origination) and error code.',
    labelNames: ['proxy', 'side', 'code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of engine.list()) {
        for (const [key, count] of statsOf(proxy).tlsFailures) {
          const [side = '', code = ''] = key.split(' ');
          this.inc({ proxy: proxy.name, side, code }, count);
        }
      }
    },
  });
  new Counter({
    name: 'faultline_http_faults_total',
    help: 'Requests an HTTP toxic (or a header-driven fault) acted on, by what the client got: a status, "grpc N", or the action.',
    labelNames: ['proxy', 'toxic', 'type', 'method', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of engine.list()) {
        for (const fault of statsOf(proxy).requestFaults.values()) {
          const { toxic, type, method, outcome } = fault;
          this.inc({ proxy: proxy.name, toxic, type, method, outcome }, fault.count);
        }
      }
    },
  });
  new Counter({
    name: 'faultline_http_upstream_failures_total',
    help: 'Requests of an http/http2 proxy the upstream failed, by the status the client got (502, 504, or the upstream\'s own when it cut its answer after the headers: cut="true").',
    labelNames: ['proxy', 'status', 'cut'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of engine.list()) {
        for (const [key, count] of statsOf(proxy).upstreamFailures) {
          const [status = '', cut] = key.split(' ');
          this.inc({ proxy: proxy.name, status, cut: String(cut === 'cut') }, count);
        }
      }
    },
  });
  new Counter({
    name: 'faultline_http_upstream_retries_total',
    help: 'Requests of an http2 proxy sent upstream again because the upstream left them unprocessed, by reason: refused_stream (RST_STREAM REFUSED_STREAM) or goaway (past the last stream id of its GOAWAY).',
    labelNames: ['proxy', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of engine.list()) {
        for (const [reason, count] of statsOf(proxy).upstreamRetries)
          this.inc({ proxy: proxy.name, reason }, count);
      }
    },
  });
  new Counter({
    name: 'faultline_protocol_mismatches_total',
    help: 'Connections of an http/http2 proxy that spoke another protocol (received: HTTP/1.x, HTTP/2, TLS or unknown).',
    labelNames: ['proxy', 'received'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of engine.list()) {
        for (const [received, count] of statsOf(proxy).protocolMismatches)
          this.inc({ proxy: proxy.name, received }, count);
      }
    },
  });
  new Counter({
    name: 'faultline_datagrams_dropped_total',
    help: 'Datagrams a toxic of a udp proxy dropped (loss; udp_bandwidth past its queue; udp_latency and reorder past their limit; any of these three when --max-held-bytes is spent), per proxy and toxic.',
    labelNames: ['proxy', 'toxic'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of engine.list()) {
        if (!('datagramDrops' in proxy)) continue;
        for (const [toxic, count] of proxy.datagramDrops) this.inc({ proxy: proxy.name, toxic }, count);
      }
    },
  });
  new Gauge({
    name: 'faultline_proxies',
    help: 'Proxies configured, by state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const proxies = engine.list();
      this.set({ state: 'enabled' }, proxies.filter((proxy) => proxy.enabled).length);
      this.set({ state: 'disabled' }, proxies.filter((proxy) => !proxy.enabled).length);
    },
  });
  new Gauge({
    name: 'faultline_held_bytes',
    help: 'Bytes all toxics hold now (delayed, throttled, not yet sliced).',
    registers: [registry],
    collect() {
      this.set(engine.heldBytes);
    },
  });
  new Gauge({
    name: 'faultline_held_bytes_limit',
    help: 'The budget for held bytes (--max-held-bytes); past it, sources are paused.',
    registers: [registry],
    collect() {
      this.set(engine.limits.maxHeldBytes);
    },
  });
}

function byteCounter(
  registry: Registry,
  engine: Engine,
  statsOf: ReturnType<typeof statsPerScrape>,
  side: 'received' | 'sent',
  help: string,
): void {
  new Counter({
    name: `toxiproxy_proxy_${side}_bytes_total`,
    help,
    // Prometheus's Go client writes label names sorted; scripts grep Toxiproxy's exact line.
    labelNames: ['direction', 'listener', 'proxy', 'upstream'],
    registers: [registry],
    collect() {
      this.reset();
      for (const proxy of engine.list()) {
        // The proxy labels its bytes: importing address-bytes here made esbuild's chunks load
        // more at every start (4.5 MB of an idle server's RSS).
        for (const { listen, upstream, bytes: passed } of statsOf(proxy).bytesByAddress) {
          for (const [direction, bytes] of Object.entries(passed)) {
            this.inc({ direction, listener: listen, proxy: proxy.name, upstream }, bytes[side]);
          }
        }
      }
    },
  });
}
