/** The bytes every HTTP/2 connection opens with (RFC 9113 §3.4); no HTTP/1.x request starts so. */
export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** What a connection's first bytes are. */
export type Opening =
  | { readonly kind: 'http2' }
  | { readonly kind: 'http1'; readonly requestLine: string }
  | { readonly kind: 'tls' }
  | { readonly kind: 'other'; readonly bytes: string }
  /** The client closed without sending a byte, as a port check does. */
  | { readonly kind: 'nothing' };

const HTTP2: Opening = { kind: 'http2' };
/** The longest request line waited for before the bytes are called something else. */
const MAX_REQUEST_LINE = 8192;
const REQUEST_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+ [\x21-\x7e]+ HTTP\/1\.\d\r?$/;
/** A line that can still become a request line: a method, a target, the start of `HTTP/1.x`. */
const REQUEST_LINE_START =
  /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?: [\x21-\x7e]*(?: (?:H(?:T(?:T(?:P(?:\/(?:1(?:\.(?:\d\r?)?)?)?)?)?)?)?)?)?)?$/;
/** A TLS record of type handshake (a ClientHello) starts 0x16 0x03. */
const TLS_HANDSHAKE = 0x16;

/** Whether `head` is the preface, or as much of it as has come: 'whole', 'part' or 'no'. */
function prefaceIn(head: Buffer): 'whole' | 'part' | 'no' {
  const compared = Math.min(head.length, HTTP2_PREFACE.length);
  if (head.compare(HTTP2_PREFACE, 0, compared, 0, compared) !== 0) return 'no';
  return compared === HTTP2_PREFACE.length ? 'whole' : 'part';
}

/**
 * What opened a connection to an http2 proxy; undefined while the bytes could still become the
 * preface or a request line (`ended`: no more will come, so it decides).
 */
export function http2Opening(head: Buffer, ended: boolean): Opening | undefined {
  const preface = prefaceIn(head);
  if (preface === 'whole') return HTTP2;
  if (preface === 'part' && !ended) return undefined;
  if (head.length === 0) return { kind: 'nothing' };
  if (head[0] === TLS_HANDSHAKE) {
    if (head.length === 1 && !ended) return undefined;
    if (head[1] === 0x03) return { kind: 'tls' };
  }
  const newline = head.indexOf(0x0a);
  const line = head.subarray(0, newline === -1 ? Math.min(head.length, MAX_REQUEST_LINE) : newline);
  const text = line.toString('latin1');
  if (newline !== -1 && REQUEST_LINE.test(text)) return { kind: 'http1', requestLine: text.trimEnd() };
  if (newline === -1 && !ended && head.length < MAX_REQUEST_LINE && REQUEST_LINE_START.test(text))
    return undefined;
  return { kind: 'other', bytes: shown(head) };
}

/**
 * What opened a connection to an http (HTTP/1.1) proxy: 'http2' for the HTTP/2 preface,
 * undefined while the bytes are still a part of it, and anything else is node:http's to read.
 */
export function http1Opening(head: Buffer, ended: boolean): 'http2' | 'http1' | undefined {
  const preface = prefaceIn(head);
  if (preface === 'whole') return 'http2';
  return preface === 'part' && !ended ? undefined : 'http1';
}

/** The first bytes, in hex, for an event: enough to tell a protocol by, never the whole stream. */
function shown(head: Buffer): string {
  const first = head.subarray(0, 16);
  const hex = [...first].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
  return head.length > first.length ? `${hex} …` : hex;
}
