/**
 * The real client behind each connection a request handler serves. A connection served in
 * process is known by its end of the link; one that reached the handler over loopback by the
 * link's local port.
 */
export interface LinkedClient {
  readonly id: number;
  readonly client: string;
}

type Served = object & { readonly remotePort?: number | undefined };

export class ClientTable {
  private readonly byPort = new Map<number, LinkedClient>();
  private readonly bySocket = new WeakMap<Served, LinkedClient>();

  add(localPort: number, client: LinkedClient): void {
    this.byPort.set(localPort, client);
  }

  remove(localPort: number): void {
    this.byPort.delete(localPort);
  }

  /** A connection served in process: forgotten with its socket. */
  serve(socket: Served, client: LinkedClient): void {
    this.bySocket.set(socket, client);
  }

  /** Unknown sockets (never expected) get connection 0 and an empty address, which no match.client matches. */
  find(socket: Served | undefined): LinkedClient {
    if (socket === undefined) return UNKNOWN;
    const served = this.bySocket.get(socket);
    if (served !== undefined) return served;
    const port = socket.remotePort;
    return (port === undefined ? undefined : this.byPort.get(port)) ?? UNKNOWN;
  }
}

const UNKNOWN: LinkedClient = { id: 0, client: '' };
