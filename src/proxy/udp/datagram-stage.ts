import type { Clock } from '../../model/clock.js';
import type { RandomSource } from '../../model/random.js';
import type { ToxicSpec } from '../../model/toxic.js';
import type { IntegerAttributes } from '../../model/toxics/index.js';
import type { HeldBudget } from '../held-budget.js';
import type { Datagram, DatagramBehaviour, DatagramContext, DatagramReceiver } from './datagram.js';
import { datagramToxics } from './toxics/index.js';

export interface DatagramStageHost {
  readonly clock: Clock;
  readonly budget: Pick<HeldBudget, 'full' | 'take' | 'release'>;
  /** Whether the toxic's match (client) and counters select this flow. */
  selects(toxic: ToxicSpec): boolean;
  dropped(toxic: ToxicSpec): void;
  acted(toxic: ToxicSpec, action: string, first: boolean): void;
}

/**
 * One toxic on one direction of one flow. Whether it applies to the flow is rolled from
 * `toxicity` when it starts and again when it is updated, as on tcp connections.
 */
export class DatagramStage implements DatagramReceiver {
  next: DatagramReceiver;
  spec: ToxicSpec;
  private controller = new AbortController();
  private active = false;
  private hasActed = false;
  private readonly behaviour: DatagramBehaviour;

  constructor(
    spec: ToxicSpec,
    next: DatagramReceiver,
    private readonly random: RandomSource,
    private readonly host: DatagramStageHost,
  ) {
    this.spec = spec;
    this.next = next;
    const currentSpec = () => this.spec;
    const currentSignal = () => this.controller.signal;
    const context: DatagramContext = {
      get attributes() {
        // Datagram toxics define integer attributes, but for udp_latency's distribution (a choice).
        return currentSpec().attributes as IntegerAttributes;
      },
      get signal() {
        return currentSignal();
      },
      clock: host.clock,
      budget: host.budget,
      random,
      push: (datagram) => this.next.accept(datagram),
      drop: () => host.dropped(this.spec),
      acted: (action) => {
        host.acted(this.spec, action, !this.hasActed);
        this.hasActed = true;
      },
    };
    const toxic = datagramToxics[spec.type];
    this.behaviour = toxic ? toxic.create(context) : { datagram: (datagram) => context.push(datagram) };
    this.roll();
  }

  accept(datagram: Datagram): void {
    if (this.active) this.behaviour.datagram(datagram);
    else this.next.accept(datagram);
  }

  /** Stops the toxic: what it holds goes on at once. */
  interrupt(): void {
    this.controller.abort();
    this.behaviour.flush?.();
  }

  /** Continues after an interruption with new settings, rolling toxicity again. */
  resume(spec: ToxicSpec): void {
    this.spec = spec;
    this.controller = new AbortController();
    this.roll();
  }

  private roll(): void {
    this.active = this.random.next() < this.spec.toxicity && this.host.selects(this.spec);
  }
}
