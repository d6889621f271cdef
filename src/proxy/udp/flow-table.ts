import type { Flow } from './flow.js';

/**
 * The live flows by client address and port. Two maps deep, so finding a datagram's flow builds
 * no key string per datagram: node hands over the address as a fresh string and the port as a
 * number.
 */
export class FlowTable {
  private readonly byAddress = new Map<string, Map<number, Flow>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(address: string, port: number): Flow | undefined {
    return this.byAddress.get(address)?.get(port);
  }

  add(flow: Flow): void {
    const { address, port } = flow.client;
    let ports = this.byAddress.get(address);
    if (!ports) this.byAddress.set(address, (ports = new Map()));
    if (!ports.has(port)) this.count += 1;
    ports.set(port, flow);
  }

  /** Removes `flow` if it is the one live for its address; says whether it was. */
  delete(flow: Flow): boolean {
    const { address, port } = flow.client;
    const ports = this.byAddress.get(address);
    if (ports?.get(port) !== flow) return false;
    ports.delete(port);
    if (ports.size === 0) this.byAddress.delete(address);
    this.count -= 1;
    return true;
  }

  *values(): IterableIterator<Flow> {
    for (const ports of this.byAddress.values()) yield* ports.values();
  }
}
