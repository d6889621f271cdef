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
}

export const defaultLimits: EngineLimits = {
  maxProxies: 1000,
  maxToxicsPerProxy: 100,
  maxNameLength: DEFAULT_MAX_NAME_LENGTH,
  maxHeldBytes: 64 * 1024 * 1024,
  listenAllow: undefined,
};
