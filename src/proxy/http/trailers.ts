import type { ServerResponse } from 'node:http';
import { isHopHeader } from './hop-headers.js';

/**
 * HTTP/1.1 trailers on the way back: the fields an upstream sends after a chunked body reach
 * the client after the body it forwards, and the `Trailer` header that announces them goes
 * with the headers. Only a chunked answer carries trailers: node discards them otherwise (a
 * HTTP/1.0 client, a HEAD request, a 204 or 304, an answer with a length).
 */

/** Whether node will send this answer chunked, so that it can carry trailers. */
export function answerIsChunked(response: ServerResponse, status: number, hasLength: boolean): boolean {
  const request = response.req;
  return (
    !hasLength &&
    status !== 204 &&
    status !== 304 &&
    request.method !== 'HEAD' &&
    request.httpVersionMajor === 1 &&
    request.httpVersionMinor >= 1
  );
}

/** The fields of an upstream's trailers as [name, value] pairs, without hop-by-hop or framing ones. */
export function trailerFields(raw: ReadonlyArray<Buffer | string> | null): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  if (raw === null) return fields;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = text(raw[index]!);
    const lower = name.toLowerCase();
    if (isHopHeader(lower) || lower === 'content-length') continue;
    fields.push([name, text(raw[index + 1]!)]);
  }
  return fields;
}

function text(field: Buffer | string): string {
  return typeof field === 'string' ? field : field.toString('latin1');
}
