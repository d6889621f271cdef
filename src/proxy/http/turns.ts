/**
 * Keeps the requests of a pipelined connection going upstream in the order they came: a held
 * request (a request delay) holds back the ones behind it, as nginx and node's own server
 * process a connection's requests one after another.
 */
export class ConnectionTurns {
  private readonly waiting = new WeakMap<object, Promise<void>>();

  /** Settles when the request before this one has gone upstream; undefined when none waits (the usual case). */
  ahead(connection: object): Promise<void> | undefined {
    return this.waiting.get(connection);
  }

  /** Takes the connection's turn: the requests after this one wait until the returned release is called. */
  take(connection: object): () => void {
    let settle!: () => void;
    const turn = new Promise<void>((resolve) => (settle = resolve));
    this.waiting.set(connection, turn);
    return () => {
      if (this.waiting.get(connection) === turn) this.waiting.delete(connection);
      settle();
    };
  }
}
