import type { Clock } from '../model/clock.js';
import { didYouMean } from '../model/closest-key.js';
import { FaultlineError, isFaultlineError } from '../model/errors.js';
import type { ProxySpec, ProxyUpdate } from '../model/proxy-spec.js';
import type { ToxicSpec } from '../model/toxic.js';
import { createRandom, randomSeed } from '../model/random.js';
import { type BusyPoll, createBusyPoll } from './busy-poll.js';
import { engineClock } from './engine-clock.js';
import { createEventBus, type EventBus } from './events.js';
import { holdEventsUntilCreated } from './held-events.js';
import { canonicalListen, resolveListen } from './listener.js';
import { checkListen } from './listen-policy.js';
import { HeldBudget } from './held-budget.js';
import { defaultLimits, type EngineLimits } from './limits.js';
import { FaultProxy, type ProxyEnvironment } from './proxy.js';
import { UdpProxy } from './udp/udp-proxy.js';
import type { EngineProxy } from './engine-proxy.js';
import { proxySettings } from './proxy-settings.js';
import type { CertificateIssuer } from './tls/proxy-tls.js';
import { protocols } from './protocols.js';
import { checkHeaderFaults, checkListenAddress, parseIdleTimeout } from '../model/proxy-spec.js';
import { DEFAULT_PROTOCOL } from '../model/protocol.js';
import { checkName } from '../model/names.js';
import { type HostLookup, systemLookup } from '../net/host-lookup.js';

export interface EngineOptions {
  /**
   * Makes jitter, toxicity and slicer decisions repeatable; random when omitted. A safe integer
   * outside 0 to 2^31-1 is folded into that range as `faultline server --seed` folds it
   * (`engine.seed` says).
   */
  seed?: number;
  clock?: Clock;
  /** Keep polling this long after socket activity (see busy-poll.ts); 0 turns it off. */
  busyPollMicroseconds?: number;
  /** A busy poll made elsewhere (a test's, to count activity); replaces busyPollMicroseconds. */
  busyPoll?: BusyPoll;
  /** Each one omitted keeps its default (limits.ts). */
  limits?: Partial<EngineLimits>;
  /** Issues certificates for proxies with `tls.auto` (the server passes its local CA). */
  issueCertificate?: CertificateIssuer;
  /** Looks up an upstream host name (udp proxies); node:dns's lookup when omitted. */
  lookupHost?: HostLookup;
}

/** Thrown by populate when an entry fails after earlier ones were applied. */
/** A listen that is not "host:port" fails when its entry is applied, as in Toxiproxy, not up front. */
function wellFormedListen(spec: ProxySpec): boolean {
  try {
    checkListenAddress(spec.listen, spec.name);
    return true;
  } catch {
    return false;
  }
}

export class PopulateError extends FaultlineError {
  constructor(
    cause: FaultlineError,
    readonly applied: EngineProxy[],
  ) {
    super(cause.code, cause.reason, { cause, ...(cause.hint === undefined ? {} : { hint: cause.hint }) });
  }
}

export interface Engine {
  readonly seed: number;
  readonly limits: EngineLimits;
  /** Bytes the toxics of every connection hold right now. */
  readonly heldBytes: number;
  readonly events: EventBus;
  list(): EngineProxy[];
  get(name: string): EngineProxy;
  create(spec: ProxySpec): Promise<EngineProxy>;
  update(name: string, update: ProxyUpdate): Promise<EngineProxy>;
  delete(name: string): void;
  /**
   * Creates or updates each proxy in order; proxies not named, and toxics an entry does not list,
   * are left alone.
   */
  populate(specs: readonly ProxySpec[]): Promise<EngineProxy[]>;
  /**
   * Enables every proxy, removes every toxic and releases every request a delay holds; tries
   * them all before reporting failures.
   */
  reset(): Promise<void>;
  close(): void;
}

export const DEFAULT_BUSY_POLL_MICROSECONDS = 200;

export function createEngine(options: EngineOptions = {}): Engine {
  const random = createRandom(options.seed ?? randomSeed());
  const { seed } = random;
  const busyPoll =
    options.busyPoll ?? createBusyPoll(options.busyPollMicroseconds ?? DEFAULT_BUSY_POLL_MICROSECONDS);
  const events = createEventBus();
  const limits: EngineLimits = { ...defaultLimits, ...options.limits };
  const budget = new HeldBudget(limits.maxHeldBytes);
  const clock = options.clock ?? engineClock;
  const { issueCertificate } = options;
  const lookupHost = options.lookupHost ?? systemLookup;
  // One literal, always the same keys: every proxy's environment then shares one hidden class
  // (a spread of a shared object made V8 build a new one per proxy, 280 bytes each).
  const environmentOf = (name: string): ProxyEnvironment => ({
    clock,
    random: random.fork(name),
    busyPoll,
    events,
    budget,
    limits,
    issueCertificate,
    lookupHost,
  });
  const proxies = new Map<string, EngineProxy>();

  const get = (name: string): EngineProxy => {
    const proxy = proxies.get(name);
    if (!proxy) {
      throw new FaultlineError('FAULTLINE_ERR_PROXY_NOT_FOUND', 'proxy not found', {
        hint: `there is no proxy named ${JSON.stringify(name)}; ${didYouMean(name, [...proxies.keys()])}GET /proxies lists them`,
      });
    }
    return proxy;
  };

  const create = async (spec: ProxySpec): Promise<EngineProxy> => {
    checkName(spec.name, 'proxy name', limits.maxNameLength);
    if (proxies.has(spec.name)) {
      throw new FaultlineError('FAULTLINE_ERR_PROXY_EXISTS', 'proxy already exists', {
        hint: `a proxy named ${JSON.stringify(spec.name)} exists; update it or delete it first`,
      });
    }
    if (proxies.size >= limits.maxProxies) {
      throw new FaultlineError('FAULTLINE_ERR_LIMIT_REACHED', 'too many proxies', {
        hint: `this server already has ${proxies.size} proxies, the most it allows (--max-proxies); delete some first`,
      });
    }
    const protocol = protocols[spec.protocol ?? DEFAULT_PROTOCOL];
    protocol.checkProxy(spec.name);
    const announcements = holdEventsUntilCreated(events);
    const proxyEnvironment = { ...environmentOf(spec.name), events: announcements.bus };
    const proxy =
      protocol.createProxy?.(spec, proxyEnvironment) ??
      new FaultProxy(spec.name, spec.listen, spec.upstream, proxyEnvironment, {
        protocol,
        headerFaults: spec.headerFaults ?? false,
      });
    if (proxy instanceof FaultProxy) await proxy.setTls(spec);
    for (const toxic of spec.toxics ?? []) await proxy.addToxic(toxic);
    if (spec.enabled) await proxy.start();
    proxies.set(spec.name, proxy);
    events.emit({ type: 'proxy.created', proxy: proxy.summary() });
    announcements.release();
    return proxy;
  };

  const apply = async (spec: ProxySpec): Promise<EngineProxy> => {
    checkListenAddress(spec.listen, spec.name);
    let existing = proxies.get(spec.name);
    if (existing && existing.protocol !== (spec.protocol ?? DEFAULT_PROTOCOL)) {
      // A protocol cannot change in place: the proxy is made again, as a delete and a create would.
      existing.stop();
      proxies.delete(spec.name);
      events.emit({ type: 'proxy.deleted', proxy: existing.summary() });
      existing = undefined;
    }
    if (!existing) return create(spec);
    // One proxy.updated for whatever the entry changed in place, as PATCH sends one.
    let changed = false;
    const tlsChange = existing.tlsChange(spec);
    if (tlsChange) {
      await existing.update(tlsChange);
      changed = true;
    }
    if (existing.headerFaults !== (spec.headerFaults ?? false)) {
      await existing.update({ headerFaults: spec.headerFaults ?? false });
      changed = true;
    }
    const sameListen =
      (await canonicalListen(spec.listen)) === existing.listen || spec.listen === existing.listen;
    if (
      spec.idleTimeout !== undefined &&
      existing instanceof UdpProxy &&
      spec.idleTimeout !== existing.idleTimeoutMs
    ) {
      await existing.update({ idleTimeout: spec.idleTimeout });
      changed = true;
    }
    if (!sameListen || spec.upstream !== existing.upstream) {
      // Toxiproxy makes a changed entry anew, so it takes the entry's `enabled`; an unchanged one
      // keeps its state.
      await existing.update({ listen: spec.listen, upstream: spec.upstream, enabled: spec.enabled });
      changed = true;
    }
    if (changed) events.emit({ type: 'proxy.updated', proxy: existing.summary() });
    if (spec.toxics) await existing.mergeToxics(spec.toxics);
    return existing;
  };

  /** The toxics an entry leaves its proxy with: those it lists, and those it keeps (see apply). */
  const checkToxicCount = (spec: ProxySpec, toxics: readonly ToxicSpec[]) => {
    const existing = proxies.get(spec.name);
    const keeps = existing !== undefined && existing.protocol === (spec.protocol ?? DEFAULT_PROTOCOL);
    const listed = new Set(toxics.map((toxic) => toxic.name));
    const kept = keeps ? existing.toxics.filter((toxic) => !listed.has(toxic.name)).length : 0;
    if (listed.size + kept <= limits.maxToxicsPerProxy) return;
    const allowed = `more than this server allows on one proxy (--max-toxics-per-proxy ${limits.maxToxicsPerProxy})`;
    throw new FaultlineError('FAULTLINE_ERR_LIMIT_REACHED', 'too many toxics', {
      hint:
        kept === 0
          ? `proxy ${JSON.stringify(spec.name)} lists ${listed.size} toxics, ${allowed}`
          : `proxy ${JSON.stringify(spec.name)} would have ${listed.size + kept} toxics, ${allowed}: the entry lists ${listed.size} and the proxy keeps ${kept} it does not list (/populate never removes a toxic); remove some first (DELETE /proxies/${spec.name}/toxics/NAME), or list fewer. Nothing was changed`,
    });
  };

  const checkPopulateLimits = async (specs: readonly ProxySpec[]) => {
    const added = specs.filter((spec) => !proxies.has(spec.name)).length;
    for (const spec of specs) {
      try {
        checkName(spec.name, 'proxy name', limits.maxNameLength);
        protocols[spec.protocol ?? DEFAULT_PROTOCOL].checkProxy(spec.name);
        if (wellFormedListen(spec)) {
          const { host, port } = await resolveListen(spec.listen);
          checkListen(limits.listenAllow, host, port);
        }
        const toxics = spec.toxics ?? [];
        for (const toxic of toxics) {
          checkName(toxic.name, 'toxic name', limits.maxNameLength);
          protocols[spec.protocol ?? DEFAULT_PROTOCOL].checkToxic(toxic, spec.name);
        }
        checkToxicCount(spec, toxics);
      } catch (error) {
        if (isFaultlineError(error)) throw new PopulateError(error, []);
        throw error;
      }
    }
    if (proxies.size + added > limits.maxProxies) {
      const error = new FaultlineError('FAULTLINE_ERR_LIMIT_REACHED', 'too many proxies', {
        hint: `this list adds ${added} proxies to ${proxies.size}, more than this server allows (--max-proxies ${limits.maxProxies})`,
      });
      throw new PopulateError(error, []);
    }
  };

  return {
    seed,
    limits,
    get heldBytes() {
      return budget.held;
    },
    events,
    list: () => [...proxies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    get,
    create,
    async update(name, update) {
      const proxy = get(name);
      if (update.protocol !== undefined && update.protocol !== proxy.protocol) {
        throw new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', 'the protocol of a proxy cannot change', {
          hint: `proxy ${JSON.stringify(name)} has protocol ${proxy.protocol}, received ${JSON.stringify(update.protocol)}; delete the proxy and create it again`,
        });
      }
      if (update.headerFaults) checkHeaderFaults(proxy.protocol, name);
      if (update.idleTimeout !== undefined) parseIdleTimeout(update.idleTimeout, proxy.protocol, name);
      const before = proxySettings(proxy);
      await proxy.update(update);
      // Toxiproxy answers an update that changes nothing as any other; only a change is announced.
      if (proxySettings(proxy) !== before) events.emit({ type: 'proxy.updated', proxy: proxy.summary() });
      return proxy;
    },
    delete(name) {
      const proxy = get(name);
      // As it was when deleted: once stopped, a proxy reads as disabled.
      const summary = proxy.summary();
      proxy.stop();
      proxies.delete(name);
      events.emit({ type: 'proxy.deleted', proxy: summary });
    },
    async populate(specs) {
      // What the server's limits and the proxies' protocols refuse is known before anything
      // changes, so it refuses the whole list; only a failure while applying (a port taken) can
      // leave earlier entries in place.
      await checkPopulateLimits(specs);
      const applied: EngineProxy[] = [];
      for (const spec of specs) {
        try {
          applied.push(await apply(spec));
        } catch (error) {
          if (isFaultlineError(error)) throw new PopulateError(error, applied);
          throw error;
        }
      }
      return applied;
    },
    async reset() {
      const failures: Array<{ proxy: string; error: unknown }> = [];
      for (const proxy of proxies.values()) {
        try {
          if (!proxy.enabled) {
            await proxy.start();
            events.emit({ type: 'proxy.updated', proxy: proxy.summary() });
          }
          // What delays hold (a toxic's or a header's) goes on with no further fault; header_faults,
          // a setting of the proxy, stays as it is.
          proxy.releaseHeldRequests();
          for (const toxic of proxy.toxics) await proxy.removeToxic(toxic.name);
        } catch (error) {
          failures.push({ proxy: proxy.name, error });
        }
      }
      const first = failures[0];
      if (first) {
        const known = isFaultlineError(first.error) ? first.error : undefined;
        const details = failures
          .map(({ proxy, error }) => `${proxy}: ${(error as Error).message}`)
          .join('; ');
        throw new FaultlineError(
          known?.code ?? 'FAULTLINE_ERR_INTERNAL',
          known?.reason ?? (first.error as Error).message,
          { hint: `reset could not restart every proxy (the others were reset): ${details}` },
        );
      }
    },
    close() {
      for (const proxy of proxies.values()) proxy.stop();
      busyPoll.stop();
    },
  };
}
