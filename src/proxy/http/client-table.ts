/**
 * The real client behind each connection the request handler serves. Every connection comes
 * through a link and reaches the handler over loopback from the link's own local port, so the
 * handler finds the client by that port.
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

  /** Unknown sockets (never expected) get connection 0 and an empty address, which no match.client matches. */
  find(socket: { readonly remotePort?: number | undefined } | undefined): LinkedClient {
    const port = socket?.remotePort;
    return (port === undefined ? undefined : this.byPort.get(port)) ?? { id: 0, client: '' };
  }
}
