import net from 'node:net';

/** A read buffer's first size, and the most it grows to while reads keep filling it. */
export const SMALLEST = 2 * 1024;
export const LARGEST = 256 * 1024;

const ignore = (): void => undefined;

/** Where a pipeline gets the bytes its source read. */
export interface Reader {
  /**
   * Set by the pipeline: called with each view read, valid only during the call; `filled` when the
   * read filled its buffer (more was waiting in the socket).
   */
  onData: (view: Buffer, filled?: boolean) => void;
  /** The consumer keeps the last view it was handed: it must not be written over. */
  retain(): void;
  /** Hands on at once whatever was read and not yet handed on. */
  flush(): void;
}

/**
 * Reads a socket into its own reusable buffer (net's `onread`), skipping the Readable stream
 * machinery and, for bulk transfers, reading up to 256 KiB per call instead of 64 KiB: the
 * proxy's share of CPU per byte drops by about a third. The buffer starts at 2 KiB, so idle
 * connections stay cheap, and doubles whenever a read fills it.
 *
 * The view handed to `onData` is valid only during the call. A consumer that keeps it (a write
 * the kernel did not take at once) calls `retain()`, and the next read goes into a fresh buffer.
 */
export class SocketReader implements Reader {
  onData: (view: Buffer, filled?: boolean) => void = ignore;
  private buffer = Buffer.allocUnsafe(SMALLEST);
  private retained = false;
  private grow = false;

  readonly options = {
    buffer: (): Buffer => {
      if (this.retained || this.grow) {
        const size = this.grow ? Math.min(this.buffer.length * 2, LARGEST) : this.buffer.length;
        this.buffer = Buffer.allocUnsafe(size);
        this.retained = this.grow = false;
      }
      return this.buffer;
    },
    callback: (bytes: number, buffer: Uint8Array): boolean => {
      const filled = bytes === buffer.length;
      this.grow = filled && buffer.length < LARGEST;
      this.onData((buffer as Buffer).subarray(0, bytes), filled);
      return true;
    },
  };

  retain(): void {
    this.retained = true;
  }

  /** Each read is handed on as it comes: nothing waits. */
  flush(): void {}
}

/** A socket read through 'data' events (a runtime whose net names its onread settings otherwise). */
export function feedReader<S extends net.Socket>(socket: S, reader: Reader): S {
  socket.on('data', (chunk: Buffer) => reader.onData(chunk));
  return socket;
}

/** Connects upstream with a reader attached from the first byte. */
export function connectWithReader(host: string, port: number, reader: SocketReader): net.Socket {
  return net.connect({ host, port, noDelay: true, allowHalfOpen: true, onread: reader.options });
}

/** A socket's onread settings, under the names net gives them (Symbol descriptions in lib/net.js). */
interface OnreadKeys {
  buffer: symbol;
  callback: symbol;
  generator: symbol;
}

/** Found once, on a socket without a handle; undefined when this runtime's net names them otherwise. */
const onreadKeys: OnreadKeys | undefined = (() => {
  const probe = new net.Socket();
  const symbols = Object.getOwnPropertySymbols(probe);
  probe.destroy();
  const named = (description: string) => symbols.find((symbol) => symbol.description === description);
  const [buffer, callback, generator] = [named('kBuffer'), named('kBufferCb'), named('kBufferGen')];
  return buffer && callback && generator ? { buffer, callback, generator } : undefined;
})();

type AcceptedHandle = { useUserBuffer?: (buffer: Uint8Array) => void; reading?: boolean };

/**
 * Gives a socket that has a handle an `onread` buffer, as net's constructor does for the sockets it
 * connects: the three settings, and the first buffer handed to the handle. False when this runtime
 * offers no way to (the socket then reads through 'data' events).
 */
export function readInto(
  socket: net.Socket,
  options: net.OnReadOpts & { buffer: () => Uint8Array },
): boolean {
  const handle = (socket as net.Socket & { _handle: AcceptedHandle | null })._handle;
  if (!onreadKeys || !handle || typeof handle.useUserBuffer !== 'function') return false;
  const settings = socket as unknown as Record<symbol, unknown>;
  const first = options.buffer();
  settings[onreadKeys.generator] = options.buffer;
  settings[onreadKeys.callback] = options.callback;
  settings[onreadKeys.buffer] = first;
  handle.useUserBuffer(first);
  return true;
}

/**
 * net.Server cannot give accepted sockets an `onread` buffer, so the accepted socket (still
 * paused: the listener sets `pauseOnConnect`) is given one as net's constructor would: the same
 * three settings, and the first buffer handed to the handle. A second Socket around the handle,
 * as this did before, cost every connection a Socket built and destroyed, about a tenth of what
 * a short connection allocates. Where net keeps these settings elsewhere, the handle moves into a
 * new Socket that has one, and the empty shell is destroyed so the server's connection count stays
 * right (`handle` and `pauseOnCreate` are the options net.Server itself uses on accept). Without a
 * handle (another runtime), the socket is used as it is, reading through 'data' events.
 */
export function adoptAccepted(accepted: net.Socket, reader: SocketReader): net.Socket {
  const shell = accepted as net.Socket & { _handle: AcceptedHandle | null };
  const handle = shell._handle;
  if (!handle) {
    accepted.setNoDelay(true);
    return feedReader(accepted, reader);
  }
  if (handle.reading === false && readInto(accepted, reader.options)) {
    accepted.setNoDelay(true);
    return accepted;
  }
  const socket = new net.Socket({
    handle,
    allowHalfOpen: true,
    pauseOnCreate: true,
    onread: reader.options,
  } as net.SocketConstructorOpts);
  shell._handle = null;
  accepted.destroy();
  socket.setNoDelay(true);
  return socket;
}
