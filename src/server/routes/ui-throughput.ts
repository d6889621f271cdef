import { FaultlineError } from '../../model/errors.js';
import { METRICS_FLAGS } from '../metric-sets.js';
import { sendJson } from '../respond.js';
import type { Route } from '../route.js';
import type { UiSessions } from '../ui-session.js';

/** Bytes each proxy has sent, each way, over its life: what the dashboard turns into a rate. */
export interface SentBytes {
  proxies: Record<string, { upstream: number; downstream: number }>;
}

/**
 * GET /ui/throughput: the dashboard's own source for its rates, so they show on a server started
 * without any metrics flag, where /metrics is a 404 as in Toxiproxy. Only the dashboard's session
 * may read it (the cookie and token of GET /ui/); anyone else is sent to /metrics.
 */
export function uiThroughputRoute(sessions: UiSessions): Route {
  return {
    method: 'GET',
    path: '/ui/throughput',
    name: 'DashboardThroughput',
    handler: (request, response, { engine }) => {
      if (sessions.verify(request.headers) !== 'valid') {
        throw new FaultlineError(
          'FAULTLINE_ERR_DASHBOARD_SESSION',
          '/ui/throughput is the dashboard’s own: it needs the session of GET /ui/',
          {
            hint: `scrape /metrics for these counters (toxiproxy_proxy_sent_bytes_total); start the server with ${METRICS_FLAGS}`,
          },
        );
      }
      const proxies: SentBytes['proxies'] = {};
      for (const proxy of engine.list()) {
        const { bytes } = proxy.stats();
        proxies[proxy.name] = { upstream: bytes.upstream.sent, downstream: bytes.downstream.sent };
      }
      sendJson(response, 200, { proxies } satisfies SentBytes);
    },
  };
}
