import { DEFAULT_MAX_NAME_LENGTH } from '../model/names.js';
import type { ListenRule } from './listen-policy.js';

/** What one server allows, so no client can exhaust it; every limit is a server option. */
export interface EngineLimits {
  readonly maxProxies: number;
  readonly maxToxicsPerProxy: number;
  readonly maxNameLength: number;
  /** Bytes all toxics together may hold; past it, sources are paused, nothing is dropped. */
  readonly maxHeldBytes: number;
  /** Where proxies may listen; undefined means anywhere. */
  readonly listenAllow: readonly ListenRule[] | undefined;
  /** How long an http proxy waits for the upstream's response headers before it answers 504. */
  readonly upstreamResponseTimeoutMs: number;
  /** How long a client of an http proxy has to send a request's head (node:http's headersTimeout). */
  readonly clientHeadersTimeoutMs: number;
}

export const UPSTREAM_RESPONSE_TIMEOUT_MS = 60_000;
/** node:http's default headersTimeout, which the full path of an http proxy has always had. */
export const CLIENT_HEADERS_TIMEOUT_MS = 60_000;

export const defaultLimits: EngineLimits = {
  maxProxies: 1000,
  maxToxicsPerProxy: 100,
  maxNameLength: DEFAULT_MAX_NAME_LENGTH,
  maxHeldBytes: 64 * 1024 * 1024,
  listenAllow: undefined,
  upstreamResponseTimeoutMs: UPSTREAM_RESPONSE_TIMEOUT_MS,
  clientHeadersTimeoutMs: CLIENT_HEADERS_TIMEOUT_MS,
};
