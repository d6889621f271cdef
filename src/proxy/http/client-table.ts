/**
 * The real client behind each link. A link reaches the request handler over loopback from its
 * own local port, so the handler finds the connection number and client address by that port.
 */
export interface LinkedClient {
  readonly id: number;
  readonly client: string;
}

export class ClientTable {
  private readonly byPort = new Map<number, LinkedClient>();

  add(localPort: number, client: LinkedClient): void {
    this.byPort.set(localPort, client);
  }

  remove(localPort: number): void {
    this.byPort.delete(localPort);
  }

  /** Unknown ports (never expected) get connection 0 and an empty address, which no match.client matches. */
  find(remotePort: number | undefined): LinkedClient {
    return (remotePort === undefined ? undefined : this.byPort.get(remotePort)) ?? { id: 0, client: '' };
  }
}
