import type { Registry } from 'prom-client';
import { sendText } from '../respond.js';
import type { Route } from '../route.js';

/**
 * GET and HEAD /metrics, any query taken and ignored: Toxiproxy 2.12 registers /metrics with no
 * method or query rule, and Prometheus's own handler ignores the query, so a scrape config with
 * `params:` (or a probe that sends HEAD) must not see the target down. HEAD answers the headers
 * alone: node:http sends no body for a HEAD request.
 */
export function metricsRoutes(scrape: () => Promise<Registry>): Route[] {
  return (['GET', 'HEAD'] as const).map((method) => ({
    method,
    path: '/metrics',
    name: 'Metrics',
    query: 'any',
    handler: async (_request, response) => {
      const registry = await scrape();
      sendText(response, 200, await registry.metrics(), registry.contentType);
    },
  }));
}
