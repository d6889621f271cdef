import type { Clock } from '../../model/clock.js';
import type { RandomSource } from '../../model/random.js';
import type { IntegerAttributes } from '../../model/toxics/index.js';
import type { HeldBudget } from '../held-budget.js';

/** One datagram on its way through a chain, stamped with when it arrived (clock ms). */
export interface Datagram {
  data: Buffer;
  time: number;
}

/** Where a stage sends what it lets through: the next stage, or the socket at the end. */
export interface DatagramReceiver {
  accept(datagram: Datagram): void;
}

/** What a datagram toxic may see and do on one direction of one flow. */
export interface DatagramContext {
  /** Live: an update replaces them between interruptions. */
  readonly attributes: IntegerAttributes;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Aborted when the toxic is interrupted (update, removal, flow closed). */
  readonly signal: AbortSignal;
  push(datagram: Datagram): void;
  /**
   * The server's budget of held bytes (--max-held-bytes), shared with every tcp pipeline: a toxic
   * that holds datagrams takes their bytes from it, and drops new ones while it is full.
   */
  readonly budget: Pick<HeldBudget, 'full' | 'take' | 'release'>;
  /** Counts a datagram the toxic threw away (metrics and the flow's statistics). */
  drop(): void;
  /** Records that the toxic acted on this flow (metrics and events). */
  acted(action: string): void;
}

/**
 * The datagram transform contract. Datagrams arrive one at a time; a toxic may hold them and
 * push them later, in any order. When interrupted it must push what it holds at once: an
 * interruption never loses a datagram.
 */
export interface DatagramBehaviour {
  datagram(datagram: Datagram): void;
  /** Interrupted: push everything held, now. */
  flush?(): void;
}

export interface DatagramToxic {
  create(context: DatagramContext): DatagramBehaviour;
}
