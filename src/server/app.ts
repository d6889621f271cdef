import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import FindMyWay, { type HTTPVersion } from 'find-my-way';
import pino, { type Logger } from 'pino';
import type { Engine } from '../proxy/engine.js';
import type { EngineEvent } from '../proxy/events.js';
import {
  createEventStream,
  eventQueryKeys,
  type EventStream,
  MAX_UNREAD_EVENT_BYTES,
} from './event-stream.js';
import { checkQuery } from './query-check.js';
import type { Registry } from 'prom-client';
import type { LedgerAccess } from '../model/halt.js';
import { createRequestGuard } from './request-guard.js';
import { sendError, sendText, toFaultlineError } from './respond.js';
import { caRoute } from './routes/ca.js';
import { type MetricSets, NO_METRICS, servesMetrics } from './metric-sets.js';
import { metricsRoutes } from './routes/metrics.js';
import { uiRoutes } from './routes/ui.js';
import { uiThroughputRoute } from './routes/ui-throughput.js';
import { createUiSessions } from './ui-session.js';
import type { Route } from './route.js';
import { proxyRoutes } from './routes/proxies.js';
import { systemRoutes } from './routes/system.js';
import { toxicRoutes } from './routes/toxics.js';
import { haltRoutes } from './routes/halt.js';
import { runRoutes } from './routes/runs.js';
import { createRequestIds } from './request-id.js';
import { createRunRegistry, type RunRegistry } from './run-registry.js';
import { createTokenCheck } from './token.js';
import { cleanPath } from './clean-path.js';
import { capConnections } from './connection-cap.js';
import { defaultApiConnections, openFileLimit } from './descriptor-limit.js';

export interface ControlServerOptions {
  engine: Engine;
  /** Defaults to a silent logger: libraries stay quiet unless the CLI hands them one. */
  logger?: Logger;
  /**
   * Host names (besides loopback names and IP addresses) that requests may carry in their Host
   * header, e.g. a Docker Compose service name; "*" allows any. See request-guard.ts.
   */
  allowedHosts?: readonly string[];
  /** Every request must carry this token (see token.ts); without it, none needs one. */
  token?: string;
  /** The ledger POST /halt undoes and GET /ledger lists; the CLI hands it in, so the server never loads the runner. */
  ledger?: LedgerAccess;
  /** The PEM of the CA that signs `tls.auto` certificates, served at GET /ca.pem. */
  caCertificate?: () => Promise<string>;
  /**
   * Connections the API holds at once (--max-api-connections); one more is answered 503. By
   * default what the CLI takes: 1000, or a quarter of the open-file limit where that is less.
   */
  maxConnections?: number;
  /**
   * The series GET /metrics serves (--proxy-metrics, --runtime-metrics); by default neither, and
   * then /metrics is a 404 as any unknown path, as in toxiproxy-server without its flags.
   */
  metrics?: MetricSets;
}

export interface ControlServer {
  /** A node:http server that is not listening yet; the caller chooses the address. */
  readonly http: http.Server;
  readonly events: EventStream;
  /** The runs registered with POST /runs. */
  readonly runs: RunRegistry;
  close(): Promise<void>;
}

const methods = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** The Toxiproxy-compatible control API, plus /metrics (when asked for) and /events. */
export function createControlServer(options: ControlServerOptions): ControlServer {
  const { engine } = options;
  const log = options.logger ?? pino({ level: 'silent' });
  const events = createEventStream(
    engine.events,
    () => engine.list().map((proxy) => proxy.name),
    ({ unreadBytes, lastId }) =>
      log.warn(
        { unread_bytes: unreadBytes, last_event_id: lastId },
        `dropped an /events subscriber that fell behind: it left ${unreadBytes} bytes unread (the most is ${MAX_UNREAD_EVENT_BYTES}); reconnecting with Last-Event-ID, it is told what it lost`,
      ),
  );
  // prom-client is loaded on the first scrape: a server that is never scraped starts faster
  // and smaller. Every metric is read from the engine at scrape time, so none is missed.
  const metricSets = options.metrics ?? NO_METRICS;
  let metrics: Promise<Registry> | undefined;
  const scrape = async (): Promise<Registry> =>
    (metrics ??= import('./metrics.js').then(({ createMetrics }) => createMetrics(engine, metricSets)));
  const sessions = createUiSessions();
  const guard = createRequestGuard(options.allowedHosts);
  const tokenCheck = createTokenCheck(options.token);
  const runs = createRunRegistry();
  const newRequestId = createRequestIds();
  const router = FindMyWay<HTTPVersion.V1>({
    ignoreTrailingSlash: false,
    ignoreDuplicateSlashes: false,
    // find-my-way matches no parameter past 100 characters by default: a proxy named longer (up
    // to --max-name-length) was created, then every route to it was a 404. Three times, for a
    // name whose every character is percent-encoded.
    maxParamLength: engine.limits.maxNameLength * 3,
  });

  const extraRoutes: Route[] = [
    ...uiRoutes(sessions),
    uiThroughputRoute(sessions),
    // Not registered without a set, so every method on it is a 404, as an unknown path.
    ...(servesMetrics(metricSets) ? metricsRoutes(scrape) : []),
    caRoute(options.caCertificate),
    {
      method: 'GET',
      path: '/events',
      name: 'Events',
      query: eventQueryKeys,
      handler: (request, response) => events.serve(request, response),
    },
  ];
  const controlRoutes = [...runRoutes(runs), ...haltRoutes({ runs, ledger: options.ledger })];
  for (const route of [...proxyRoutes, ...toxicRoutes, ...systemRoutes, ...extraRoutes, ...controlRoutes]) {
    router.on(route.method, route.path, (request, response, params) =>
      run(route, request, response, params as Record<string, string | undefined>),
    );
  }

  /** A route whose path parameters are all present: `/proxies/` names no proxy, as in gorilla/mux. */
  function routeFor(method: string, path: string) {
    const found = router.find(method as 'GET', path);
    return found && Object.values(found.params).every((value) => value !== '') ? found : null;
  }

  async function run(
    route: Route,
    request: IncomingMessage,
    response: ServerResponse,
    params: Record<string, string | undefined>,
  ): Promise<void> {
    const requestId = newRequestId();
    // process.hrtime, not performance.now(): the global `performance` loads node:perf_hooks at its
    // first use, 2-3 ms of a fresh server's first answer that a proxied connection pays instead.
    const started = process.hrtime.bigint();
    const requestLog = log.child({ request_id: requestId });
    response.setHeader('X-Toxiproxy-Request-Id', requestId);
    response.once('finish', () =>
      requestLog.info(
        {
          method: request.method,
          url: tokenCheck.loggable(request.url),
          handler: route.name,
          status: response.statusCode,
          duration_ms: Math.round(Number(process.hrtime.bigint() - started) / 10_000) / 100,
          user_agent: request.headers['user-agent'],
        },
        'request',
      ),
    );
    const session = sessions.verify(request.headers);
    if (typeof session === 'object') return sendError(response, session);
    const browser = request.headers['user-agent']?.startsWith('Mozilla/') === true;
    if (browser && !route.page && session !== 'valid') {
      return sendText(response, 403, 'User agent not allowed\n');
    }
    try {
      checkQuery(route, request.url);
      await route.handler(request, response, { engine, log: requestLog, params });
    } catch (error) {
      const known = toFaultlineError(error);
      if (known.status >= 500) requestLog.error({ err: error }, known.message);
      // No answer reaches a client that has gone, so no access log line either: this one says why.
      else if (response.destroyed) requestLog.debug({ url: tokenCheck.loggable(request.url) }, known.message);
      // A body left unread (refused for its declared size) is not waited for: the connection closes.
      if (!request.complete && !response.headersSent) response.setHeader('Connection', 'close');
      if (!response.headersSent) sendError(response, known);
      else response.destroy();
    }
  }

  const server = http.createServer(
    // Node checks both timeouts every connectionsCheckingInterval (30 s by default), so a
    // client trickling its head a byte a second held its connection 30 s, its body 60 s.
    { requestTimeout: 30_000, headersTimeout: 15_000, connectionsCheckingInterval: 1_000 },
    (request, response) => {
      // Answered 503 when it was accepted, and closing: nothing it sends is served.
      if (cap.refused(request.socket)) return;
      const sent = request.url ?? '/';
      // First: it takes a /t/TOKEN prefix off the URL, so no log line below can show the token.
      const unauthorized = tokenCheck.admit(request);
      const refused = unauthorized ?? guard.check(request.headers);
      if (refused) {
        // Basic too, so a browser asks for the token (as the password) instead of showing the error.
        if (unauthorized)
          response.setHeader('WWW-Authenticate', ['Bearer realm="faultline"', 'Basic realm="faultline"']);
        log.warn(
          {
            method: request.method,
            url: tokenCheck.loggable(request.url),
            host: request.headers.host,
            origin: request.headers.origin,
          },
          `refused: ${refused.reason}`,
        );
        return sendError(response, refused);
      }
      const path = (request.url ?? '/').split('?')[0] ?? '/';
      const method = request.method ?? 'GET';
      const cleaned = cleanPath(path);
      if (path.startsWith('/') && cleaned !== path && method !== 'CONNECT') {
        const query = (request.url ?? '').slice(path.length);
        // The /t/TOKEN prefix the client sent, so the clean URL it is sent to carries its token too.
        const prefix = sent.slice(0, sent.length - (request.url ?? '').length);
        response.writeHead(301, { Location: `${prefix}${cleaned}${query}`, 'Content-Length': 0 });
        return response.end();
      }
      if (routeFor(method, path)) return router.lookup(request, response);
      const allowed = methods.filter((other) => routeFor(other, path));
      if (allowed.length > 0) {
        response.writeHead(405, { Allow: allowed.join(', '), 'Content-Length': 0 });
        return response.end();
      }
      sendText(response, 404, '404 page not found\n');
    },
  );
  server.keepAliveTimeout = 60_000;
  const maxConnections = options.maxConnections ?? defaultApiConnections(openFileLimit()).max;
  const cap = capConnections(server, maxConnections, log);

  const unsubscribe = engine.events.on((event) => logEvent(log, event));

  return {
    http: server,
    events,
    runs,
    close: async () => {
      unsubscribe();
      events.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function logEvent(log: Logger, event: EngineEvent): void {
  // The halt route logs its own line, with every item.
  if (event.type === 'halt') return;
  const level =
    event.type.startsWith('connection.') || event.type === 'toxic.fired' || event.type === 'http.fault'
      ? 'debug'
      : 'info';
  if (event.type === 'connection.failed')
    return void log.warn(event, 'Unable to open connection to upstream');
  if (event.type === 'tls.failed') return void log.warn(event, 'TLS handshake failed');
  if (event.type === 'protocol.mismatch')
    return void log.warn(event, 'A client spoke another protocol than the proxy');
  log[level](event, event.type);
}
