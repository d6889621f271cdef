import { createRequire } from 'node:module';

/**
 * llhttp, the parser node:http and undici use, as undici ships it (WebAssembly), for a
 * connection whose bytes pass through: it finds where each message's head and whole message
 * end, without building a header object. A callback that returns PAUSED stops the parser at
 * once and tells where, which node's own binding cannot (its pause waits for the next call).
 */
interface Llhttp {
  readonly memory: { readonly buffer: ArrayBuffer };
  llhttp_alloc(type: number): number;
  llhttp_free(parser: number): void;
  malloc(size: number): number;
  free(pointer: number): void;
  llhttp_execute(parser: number, data: number, length: number): number;
  llhttp_finish(parser: number): number;
  llhttp_resume(parser: number): void;
  llhttp_get_error_pos(parser: number): number;
  llhttp_get_error_reason(parser: number): number;
  llhttp_errno_name(errno: number): number;
  llhttp_get_method(parser: number): number;
  llhttp_should_keep_alive(parser: number): number;
}

/** What this file uses of WebAssembly (the project's TypeScript libraries do not declare it). */
interface Wasm {
  Module: new (bytes: Buffer) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const { Module, Instance } = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

const OK = 0;
const PAUSED = 21;
const PAUSED_UPGRADE = 22;
const SKIP_BODY = 1;
const SLASH = 0x2f;
const TYPE = { request: 1, response: 2 } as const;
/** llhttp's method numbers (its METHODS table). */
export const METHOD_HEAD = 2;
export const METHOD_CONNECT = 5;

/** Where a run of the parser stopped; `at` tells the offset in the chunk. */
export const enum Stop {
  /** Every byte given was read, in the middle of a message or between two. */
  End,
  /** A message's head is complete (requests only): its body, if any, comes next. */
  Head,
  /** A message is complete. */
  Message,
  /** An Upgrade (or CONNECT) message is complete: what follows is not HTTP. */
  Upgrade,
  /** The bytes are not HTTP/1.x; `error` says why. */
  Error,
}

let llhttp: Llhttp | undefined;
/** The parser running now: llhttp calls back synchronously, within `execute`. */
let running: MessageParser | undefined;
/** A buffer in the WebAssembly memory, holding `loaded`, the chunk being parsed. */
let buffer = 0;
let bufferSize = 0;
let loaded: Buffer | undefined;

let missing: boolean | undefined;

/**
 * Whether llhttp loads: it is a file of undici's, not part of its API, so an undici that moved it
 * leaves http proxies on the full path rather than broken.
 */
export function llhttpLoads(): boolean {
  if (missing === undefined) {
    try {
      instance();
      missing = false;
    } catch {
      missing = true;
    }
  }
  return !missing;
}

function instance(): Llhttp {
  if (llhttp) return llhttp;
  const require = createRequire(import.meta.url);
  let module: object;
  try {
    module = new Module(require('undici/lib/llhttp/llhttp_simd-wasm.js') as Buffer);
  } catch {
    module = new Module(require('undici/lib/llhttp/llhttp-wasm.js') as Buffer);
  }
  const none = () => 0;
  const made = new Instance(module, {
    env: {
      wasm_on_url: (_parser: number, at: number) => running!.onTarget(at),
      wasm_on_status: none,
      wasm_on_header_field: none,
      wasm_on_header_value: none,
      wasm_on_body: (_parser: number, _at: number, length: number) => running!.onBody(length),
      wasm_on_message_begin: () => running!.onBegin(),
      wasm_on_headers_complete: (_parser: number, status: number, upgrade: number, keepAlive: number) =>
        running!.onHeadersComplete(status, upgrade === 1, keepAlive === 1),
      wasm_on_message_complete: () => running!.onComplete(),
    },
  });
  llhttp = made.exports as unknown as Llhttp;
  return llhttp;
}

/** What the owner of a response parser says of each response's head. */
export interface ResponseHeads {
  /** The final response's head came (status 101 or 200 and up): whether it has no body (a HEAD). */
  finalHead(status: number): boolean;
  /** An interim (1xx) head came, such as 100 Continue. */
  interimHead(): void;
}

/** One direction's parser: requests from the client, or responses from the upstream. */
export class MessageParser {
  /** The offset where the last run stopped. */
  at = 0;
  /** Why the last run stopped with Stop.Error: llhttp's error name and reason. */
  error = '';
  /** A message began and its head is not complete: its bytes so far are its head. */
  inHead = false;
  /** A message began and is not complete. */
  inMessage = false;
  /** The status of the message being read (responses). */
  status = 0;
  /** Body bytes of the message being read. */
  bodyBytes = 0;
  /** llhttp's method number of the request read last (requests). */
  method = -1;
  /** The message read last asks for an Upgrade (a request) or grants one (a 101 response). */
  upgrade = false;
  /** The request's target starts with `/` (origin form), as nearly every request's does. */
  originForm = true;
  private targetSeen = false;
  /**
   * The message read last lets the connection stay open (no `Connection: close`, not HTTP/1.0):
   * as its head says, then as its end says.
   */
  keepAlive = true;
  private readonly pointer: number;
  private freed = false;
  private readonly exports: Llhttp;

  constructor(
    private readonly type: keyof typeof TYPE,
    private readonly heads?: ResponseHeads,
  ) {
    this.exports = instance();
    this.pointer = this.exports.llhttp_alloc(TYPE[type]);
  }

  /** Reads `chunk` from `from` on, until the end or the first place to stop (Stop). */
  run(chunk: Buffer, from: number): Stop {
    if (this.freed) {
      // The connection closed while its chunk was being read: the rest is nobody's.
      this.at = chunk.length;
      return Stop.End;
    }
    const exports = this.exports;
    if (loaded !== chunk) load(exports, chunk);
    enter(this);
    let code: number;
    try {
      code = exports.llhttp_execute(this.pointer, buffer + from, chunk.length - from);
    } finally {
      running = undefined;
    }
    if (code === OK) {
      this.at = chunk.length;
      return Stop.End;
    }
    this.at = exports.llhttp_get_error_pos(this.pointer) - buffer;
    if (code === PAUSED) {
      exports.llhttp_resume(this.pointer);
      if (this.inMessage) return Stop.Head;
      return this.upgrade ? Stop.Upgrade : Stop.Message;
    }
    if (code === PAUSED_UPGRADE) return Stop.Upgrade;
    this.error = `${cString(exports, exports.llhttp_errno_name(code))}: ${cString(exports, exports.llhttp_get_error_reason(this.pointer))}`;
    return Stop.Error;
  }

  /** The peer closed: a message read until the close is complete now (true), or cut (false when one was under way). */
  finish(): boolean {
    if (this.freed) return true;
    enter(this);
    try {
      this.exports.llhttp_finish(this.pointer);
    } finally {
      running = undefined;
    }
    return !this.inMessage;
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.exports.llhttp_free(this.pointer);
  }

  onBegin(): number {
    this.targetSeen = false;
    this.inHead = true;
    this.inMessage = true;
    this.bodyBytes = 0;
    return OK;
  }

  /** The target's first bytes are at `at` (it may come in several pieces: the first tells). */
  onTarget(at: number): number {
    if (this.targetSeen) return OK;
    this.targetSeen = true;
    this.originForm = byteAt(this.exports, at) === SLASH;
    return OK;
  }

  onHeadersComplete(status: number, upgrade: boolean, keepAlive: boolean): number {
    this.inHead = false;
    this.keepAlive = keepAlive;
    this.upgrade = upgrade || status === 101;
    if (this.type === 'request') {
      this.method = this.exports.llhttp_get_method(this.pointer);
      return PAUSED;
    }
    this.status = status;
    if (status < 200 && status !== 101) this.heads!.interimHead();
    else if (this.heads!.finalHead(status)) return SKIP_BODY;
    return OK;
  }

  onBody(length: number): number {
    this.bodyBytes += length;
    return OK;
  }

  onComplete(): number {
    this.inMessage = false;
    // Read again: an answer to HEAD without a length is whole, not one read to the close.
    this.keepAlive = this.exports.llhttp_should_keep_alive(this.pointer) === 1;
    return PAUSED;
  }
}

/** The chunk parsed last may be a buffer its owner reuses: the next run copies again. */
export function doneParsing(): void {
  loaded = undefined;
}

function enter(parser: MessageParser): void {
  running = parser;
}

function load(exports: Llhttp, chunk: Buffer): void {
  if (chunk.length > bufferSize) {
    if (buffer !== 0) exports.free(buffer);
    bufferSize = Math.ceil(chunk.length / 4096) * 4096;
    buffer = exports.malloc(bufferSize);
  }
  new Uint8Array(exports.memory.buffer, buffer, chunk.length).set(chunk);
  loaded = chunk;
}

let memoryView = new Uint8Array(0);

/** One byte of the WebAssembly memory, through a view made again only when the memory grew. */
function byteAt(exports: Llhttp, pointer: number): number | undefined {
  if (memoryView.buffer !== exports.memory.buffer) memoryView = new Uint8Array(exports.memory.buffer);
  return memoryView[pointer];
}

function cString(exports: Llhttp, pointer: number): string {
  const bytes = new Uint8Array(exports.memory.buffer, pointer);
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.subarray(0, end === -1 ? 0 : end)).toString('latin1');
}
