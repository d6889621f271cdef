import type { ServedConnection } from '../protocol.js';

/**
 * The real client behind each connection a request handler serves, known by the handler's end
 * of the link (an HTTP/1.1 socket, or an HTTP/2 session) and forgotten with it.
 */
export class ClientTable {
  private readonly served = new WeakMap<object, ServedConnection>();

  serve(end: object, connection: ServedConnection): void {
    this.served.set(end, connection);
  }

  /** Unknown ends (never expected) get connection 0 and an empty address, which no match.client matches. */
  find(end: object | undefined): ServedConnection {
    return (end === undefined ? undefined : this.served.get(end)) ?? UNKNOWN;
  }
}

const UNKNOWN: ServedConnection = { id: 0, client: '' };
