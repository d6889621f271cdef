/** Bytes on their way through a toxic chain, stamped with when they arrived (clock ms). */
export interface Chunk {
  data: Buffer;
  time: number;
  /**
   * The read that brought these bytes filled its buffer: the socket had more waiting, which the
   * next read takes. Readers that cannot tell leave it unset.
   */
  readFilled?: boolean;
}

/** Where a stage sends what it lets through: the next stage, or the socket writer at the end. */
export interface Receiver {
  accept(chunk: Chunk): void;
  /** The source reached EOF and everything before it has been accepted. */
  end(): void;
  /**
   * A toxic closed the stream (limit_data, timeout): like end(), what comes before passes on
   * first, through the toxics that follow, and then the connection closes, as Toxiproxy closes
   * a toxic's output and lets the rest of the chain drain.
   */
  finish(): void;
  /**
   * The source was reset (RST): like end(), what comes before passes on first, through the
   * toxics that follow (a latency still delays it, a slow_close still holds the close), and then
   * the destination is reset.
   */
  reset(): void;
}
