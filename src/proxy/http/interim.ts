import { STATUS_CODES, type ServerResponse } from 'node:http';
import { isHopHeader } from './hop-headers.js';
import type { RequestPlan } from './request-plan.js';
import { replacesBody } from './rewrite.js';

/**
 * An upstream's 1xx informational answers (103 Early Hints, 102 Processing) go on to the client
 * before the final answer, as Envoy passes them on, unless a toxic replaces that answer (an
 * `http_modify` status or body): hints about an answer the client will not get would mislead it.
 */
export function passesInterim(plan: RequestPlan | undefined): boolean {
  return plan === undefined || (plan.status === undefined && !replacesBody(plan));
}

/** What node's own writeContinue and writeEarlyHints write with: a head straight to the connection. */
interface RawWriter {
  _writeRaw(data: string, encoding: BufferEncoding): boolean;
}

/**
 * Sends an upstream's 1xx answer to an HTTP/1.1 client, with its headers less the hop-by-hop
 * ones. 100 Continue is the proxy's own to send (it decides when the request goes upstream) and
 * 101 is an upgrade; an HTTP/1.0 client gets none (RFC 9110 §15.2), nor one whose final answer
 * has begun.
 */
export function sendInterim(
  response: ServerResponse,
  status: number,
  fields: Iterable<readonly [string, string]>,
): void {
  if (status === 100 || status === 101 || status < 100 || status > 199) return;
  if (response.headersSent || response.destroyed || response.req.httpVersionMinor === 0) return;
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Informational'}\r\n`;
  for (const [name, value] of fields) if (!isHopHeader(name.toLowerCase())) head += `${name}: ${value}\r\n`;
  (response as unknown as RawWriter)._writeRaw(`${head}\r\n`, 'latin1');
}

/** undici's raw header list ([name, value, …] as bytes) as pairs. */
export function* rawFields(rawHeaders: Buffer[]): Iterable<readonly [string, string]> {
  for (let index = 0; index + 1 < rawHeaders.length; index += 2)
    yield [rawHeaders[index]!.toString('latin1'), rawHeaders[index + 1]!.toString('latin1')];
}

/** undici's parsed headers (a name → value or values object) as pairs. */
export function* parsedFields(
  headers: Record<string, string | string[] | undefined>,
): Iterable<readonly [string, string]> {
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) yield [name, one];
  }
}
