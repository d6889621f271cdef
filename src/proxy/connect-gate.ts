import type net from 'node:net';
import type { Clock } from '../model/clock.js';
import type { RandomSource } from '../model/random.js';
import type { ToxicSpec } from '../model/toxic.js';
import type { IntegerAttributes } from '../model/toxics/index.js';
import { connectHookOf } from './toxics/index.js';

export interface ConnectGateHost {
  readonly clock: Clock;
  /** The proxy's source; each connection and toxic forks its own from it. */
  readonly random: RandomSource;
  toxics(): readonly ToxicSpec[];
  /** Whether the toxic's match and counters select this client's connection. */
  selects(toxic: ToxicSpec, clientIp: string): boolean;
  acted(toxic: ToxicSpec, action: string, connection: number): void;
}

/** Whether new connections must pass through a ConnectGate's `admit` first. */
export function holdsConnections(toxics: readonly ToxicSpec[]): boolean {
  return toxics.some((toxic) => connectHookOf(toxic) !== undefined);
}

/**
 * Runs the toxics that act when a connection starts (connect_delay, refuse) before the upstream
 * is dialled, in chain order. The client socket stays paused meanwhile, so what it sends waits
 * in the kernel. An updated or removed toxic lets the connections it holds go on, as every
 * interrupted toxic passes on what it holds.
 */
export class ConnectGate {
  private readonly interrupts = new Map<string, AbortController>();
  private readonly waiting = new Set<AbortController>();

  constructor(private readonly host: ConnectGateHost) {}

  /** Resolves true when the connection may go on, false when it was refused or abandoned. */
  async admit(connection: number, client: net.Socket): Promise<boolean> {
    const leave = new AbortController();
    const onClose = () => leave.abort();
    client.once('close', onClose);
    this.waiting.add(leave);
    try {
      const random = this.host.random.fork(String(connection));
      for (const name of this.host.toxics().map((toxic) => toxic.name)) {
        const toxic = this.host.toxics().find((candidate) => candidate.name === name);
        const connect = toxic && connectHookOf(toxic);
        if (!toxic || !connect) continue;
        // The counters pick the connections; toxicity rolls among them, as for every toxic.
        const roll = random.fork(`connect/${name}`).next();
        if (!this.host.selects(toxic, client.remoteAddress ?? '')) continue;
        if (!(roll < toxic.toxicity)) continue;
        const verdict = await connect({
          // Connection toxics define integer attributes only (see model/toxics).
          attributes: toxic.attributes as IntegerAttributes,
          clock: this.host.clock,
          signal: AbortSignal.any([leave.signal, this.interruptOf(name).signal]),
          acted: (action) => this.host.acted(toxic, action, connection),
        });
        if (verdict === 'refuse' || leave.signal.aborted) return false;
      }
      return true;
    } finally {
      this.waiting.delete(leave);
      client.off('close', onClose);
    }
  }

  /** Connections accepted and still waiting here (held by connect_delay), not yet dialled upstream. */
  get held(): number {
    return this.waiting.size;
  }

  /** The toxic changed or is gone: the connections it holds go on. */
  interrupt(name: string): void {
    this.interrupts.get(name)?.abort();
    this.interrupts.delete(name);
  }

  /** The proxy stopped: every held connection is abandoned. */
  stop(): void {
    for (const leave of this.waiting) leave.abort();
  }

  private interruptOf(name: string): AbortController {
    let controller = this.interrupts.get(name);
    if (!controller) {
      controller = new AbortController();
      this.interrupts.set(name, controller);
    }
    return controller;
  }
}
