import { didYouMean } from '../model/closest-key.js';
import { FaultlineError } from '../model/errors.js';
import { CounterState } from '../model/match.js';
import { checkName } from '../model/names.js';
import { sameToxic } from '../model/same-toxic.js';
import type { ProxyProtocol } from '../model/protocol.js';
import { explainToxic, streams, toxicExists, type ToxicSpec } from '../model/toxic.js';
import type { EventBus } from './events.js';
import type { EngineLimits } from './limits.js';

/**
 * Removed toxics whose series the counters by toxic name (`faultline_http_faults_total`,
 * `faultline_datagrams_dropped_total`) keep, so a fault counted as its toxic went is still
 * scraped; past this many, the series of the one removed longest ago go. A suite that adds and
 * removes a toxic of a new name per test would otherwise add series without end.
 */
export const KEPT_REMOVED_TOXICS = 100;

/**
 * A proxy's toxics in the order they were added, and what every kind of proxy (tcp, http, udp)
 * does with them alike: the name, duplicate and per-proxy limit checks, the toxic events, and
 * the counters that `first`/`after`/`every` and the metrics read.
 */
export class ToxicRoster {
  private list: ToxicSpec[] = [];
  /** Names of removed toxics, the longest removed first; see KEPT_REMOVED_TOXICS. */
  private removed: string[] = [];
  private forgetters: Array<(name: string) => void> = [];
  // Most proxies never count: made at first use, as a server holds thousands of proxies.
  private counters: WeakMap<ToxicSpec, CounterState> | undefined;
  private actions: Map<string, number> | undefined;

  constructor(
    private readonly proxy: string,
    private readonly events: EventBus,
    private readonly limits: EngineLimits,
    /** The proxy's protocol, for the words of the explanations (a udp proxy has flows). */
    private readonly protocol: () => ProxyProtocol,
  ) {}

  /** In the order they were added: the order toxics apply in. */
  get inOrder(): readonly ToxicSpec[] {
    return this.list;
  }

  /** Upstream toxics first, then downstream, each in the order added: how the API lists them. */
  get byStream(): ToxicSpec[] {
    return streams.flatMap((stream) => this.list.filter((toxic) => toxic.stream === stream));
  }

  named(name: string): ToxicSpec {
    const toxic = this.list.find((candidate) => candidate.name === name);
    if (!toxic) {
      throw new FaultlineError('FAULTLINE_ERR_TOXIC_NOT_FOUND', 'toxic not found', {
        hint: `proxy ${JSON.stringify(this.proxy)} has no toxic ${JSON.stringify(name)}; ${didYouMean(
          name,
          this.list.map((candidate) => candidate.name),
        )}GET /proxies/${this.proxy}/toxics lists them`,
      });
    }
    return toxic;
  }

  add(toxic: ToxicSpec): void {
    checkName(toxic.name, 'toxic name', this.limits.maxNameLength);
    if (this.list.some((candidate) => candidate.name === toxic.name)) {
      throw toxicExists(this.proxy, toxic.name);
    }
    if (this.list.length >= this.limits.maxToxicsPerProxy) {
      throw new FaultlineError('FAULTLINE_ERR_LIMIT_REACHED', 'too many toxics', {
        hint: `proxy ${JSON.stringify(this.proxy)} has ${this.list.length} toxics, the most this server allows per proxy (--max-toxics-per-proxy); remove some first`,
      });
    }
    this.list.push(toxic);
    // A new toxic that takes a removed one's name (Toxiproxy's default names repeat) starts at 0.
    this.actions?.delete(toxic.name);
    this.removed = this.removed.filter((name) => name !== toxic.name);
  }

  /**
   * Puts `toxic` in the place of the toxic of the same name; false when the two are the same as
   * the API shows them, so the update changed nothing to announce.
   */
  replace(toxic: ToxicSpec): boolean {
    const current = this.named(toxic.name);
    this.list[this.list.indexOf(current)] = toxic;
    return !sameToxic(current, toxic);
  }

  /** Takes the named toxic out and returns it. */
  remove(name: string): ToxicSpec {
    const toxic = this.named(name);
    this.list = this.list.filter((candidate) => candidate !== toxic);
    this.actions?.delete(name);
    this.removed.push(name);
    if (this.removed.length > KEPT_REMOVED_TOXICS) {
      const forgotten = this.removed.shift() ?? '';
      for (const forget of this.forgetters) forget(forgotten);
    }
    return toxic;
  }

  /** Calls `forget` with each removed toxic whose series are no longer kept (KEPT_REMOVED_TOXICS). */
  onForget(forget: (name: string) => void): void {
    this.forgetters.push(forget);
  }

  announce(type: 'toxic.added' | 'toxic.updated' | 'toxic.removed', toxic: ToxicSpec): void {
    if (type === 'toxic.removed') this.events.emit({ type, proxy: this.proxy, toxic });
    else
      this.events.emit({ type, proxy: this.proxy, toxic, explanation: explainToxic(toxic, this.protocol()) });
  }

  /** One counter per toxic; an updated toxic is a new object, so its counters start again. */
  countSelected(toxic: ToxicSpec): boolean {
    if (!toxic.counter) return true;
    const counters = (this.counters ??= new WeakMap());
    let state = counters.get(toxic);
    if (!state) {
      state = new CounterState();
      counters.set(toxic, state);
    }
    return state.take(toxic.counter);
  }

  /**
   * Counts one action of a toxic on the proxy. A request toxic's action is counted when its
   * request is reported, which may be after the toxic was removed: a removed toxic has no count
   * to add to (a new one of the same name starts at 0).
   */
  countAction(toxic: ToxicSpec): void {
    if (!this.list.some((candidate) => candidate.name === toxic.name)) return;
    const counts = (this.actions ??= new Map());
    counts.set(toxic.name, (counts.get(toxic.name) ?? 0) + 1);
  }

  /** Actions taken, by toxic name, by each toxic on the proxy now (an update keeps its count). */
  get actionCounts(): ReadonlyMap<string, number> {
    return this.actions ?? noActions;
  }
}

const noActions: ReadonlyMap<string, number> = new Map();
