/**
 * The real client behind each connection the request handler serves. A connection the proxy
 * handed over as it is carries its client on the socket; one that came through a link (when
 * connection toxics run) reaches the handler over loopback from the link's own local port,
 * so the handler finds the client by that port.
 */
export interface LinkedClient {
  readonly id: number;
  readonly client: string;
}

const linkedClient = Symbol('faultline.linkedClient');

interface Marked {
  [linkedClient]?: LinkedClient;
  readonly remotePort?: number | undefined;
}

export class ClientTable {
  private readonly byPort = new Map<number, LinkedClient>();

  add(localPort: number, client: LinkedClient): void {
    this.byPort.set(localPort, client);
  }

  remove(localPort: number): void {
    this.byPort.delete(localPort);
  }

  /** Marks a socket handed over as it is (HTTP/2 shows it through a proxy object that reads symbols through). */
  mark(socket: object, client: LinkedClient): void {
    (socket as Marked)[linkedClient] = client;
  }

  isMarked(socket: object | undefined): boolean {
    return (socket as Marked | undefined)?.[linkedClient] !== undefined;
  }

  /** Unknown sockets (never expected) get connection 0 and an empty address, which no match.client matches. */
  find(socket: object | undefined): LinkedClient {
    const marked = socket as Marked | undefined;
    const port = marked?.remotePort;
    return (
      marked?.[linkedClient] ??
      (port === undefined ? undefined : this.byPort.get(port)) ?? { id: 0, client: '' }
    );
  }
}
