import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Engine } from '../proxy/engine.js';

export interface RouteContext {
  readonly engine: Engine;
  readonly log: Logger;
  readonly params: Record<string, string | undefined>;
}

export type RouteHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  context: RouteContext,
) => Promise<void> | void;

export interface Route {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** Names the route in access logs, as Toxiproxy does (ProxyIndex, ToxicCreate, ...). */
  readonly name: string;
  /** A page for browsers (the dashboard): exempt from the block on browser user agents. */
  readonly page?: boolean;
  /**
   * The query parameters it takes; any other is a 400 (see query-check.ts). 'any' takes every
   * query and ignores it, as a Prometheus scrape target must (a scrape config's `params:`).
   */
  readonly query?: readonly string[] | 'any';
  readonly handler: RouteHandler;
}

export function param(context: RouteContext, name: string): string {
  return context.params[name] ?? '';
}
