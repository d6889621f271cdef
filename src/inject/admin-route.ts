import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface AdminRouteOptions {
  /** The secret a caller sends as `Authorization: Bearer <token>`; 16 characters or more. */
  token: string;
  /** Where the route answers; /__faultline/faults by default. */
  path?: string;
  /** The largest PUT body accepted, in bytes; 64 KiB by default. */
  maxBodyBytes?: number;
}

export interface AdminActions {
  /** Validates and installs new faults; throws with a message on bad input. */
  replace(faults: unknown): void;
  clear(): void;
  describe(): unknown;
}

export const DEFAULT_ADMIN_PATH = '/__faultline/faults';
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * The admin route of the HTTP middleware: reads (GET), replaces (PUT) or clears (DELETE) the
 * faults while the server runs. Only for a caller that holds the token, never for a page on
 * another origin, and only with a JSON body of bounded size.
 */
export function createAdminRoute(options: Required<AdminRouteOptions>, actions: AdminActions) {
  const expected = digest(options.token);

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      refuseOtherSites(request);
      checkToken(request, expected);
      if (request.method === 'PUT') actions.replace(await readJson(request, options.maxBodyBytes));
      else if (request.method === 'DELETE') actions.clear();
      else if (request.method !== 'GET')
        throw new Refusal(405, `${request.method} is not served here; use GET, PUT or DELETE`, {
          Allow: 'GET, PUT, DELETE',
        });
      reply(request, response, 200, actions.describe());
    } catch (error) {
      const refusal = error instanceof Refusal ? error : new Refusal(400, (error as Error).message);
      reply(request, response, refusal.status, { error: refusal.message }, refusal.headers);
    }
  }
  return { path: options.path, serve };
}

/** A browser page on another origin must not change the faults, even with the token. */
function refuseOtherSites(request: IncomingMessage): void {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new Refusal(
      403,
      `refused a ${site} request (Sec-Fetch-Site: ${site}): the fault admin route answers only same-origin pages and non-browser clients`,
    );
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host === undefined || host !== request.headers.host) {
    throw new Refusal(
      403,
      `refused a request from origin ${origin}: the fault admin route answers only its own origin (${request.headers.host ?? 'no Host header'})`,
    );
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function checkToken(request: IncomingMessage, expected: Buffer): void {
  const header = request.headers.authorization;
  const challenge = { 'WWW-Authenticate': 'Bearer realm="faultline"' };
  if (header === undefined)
    throw new Refusal(401, 'the fault admin route needs "Authorization: Bearer <token>"', challenge);
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new Refusal(401, 'the Authorization header must be "Bearer <token>"', challenge);
  if (!timingSafeEqual(digest(match[1]!), expected))
    throw new Refusal(401, 'wrong token for the fault admin route', challenge);
}

async function readJson(request: IncomingMessage, limit: number): Promise<unknown> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new Refusal(
      415,
      `send the faults as application/json; received Content-Type ${request.headers['content-type'] === undefined ? '(none)' : `"${request.headers['content-type']}"`}`,
    );
  }
  const tooLarge = (size: string) =>
    new Refusal(413, `the body is ${size}; the fault admin route takes at most ${limit} bytes`);
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (declared > limit) throw tooLarge(`${declared} bytes`);
  if (request.readableEnded) return parsedBefore(request, limit);
  const body = await readAtMost(request, limit);
  if (body === undefined) throw tooLarge(`over ${limit} bytes`);
  return parseJson(body.toString('utf8'));
}

/**
 * The body when a body parser that ran first (express.json(), for one) has read the stream
 * already: the object it left on `request.body`, or its text.
 */
function parsedBefore(request: IncomingMessage, limit: number): unknown {
  const body = (request as IncomingMessage & { body?: unknown }).body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    if (body.length > limit)
      throw new Refusal(
        413,
        `the body is over ${limit} bytes; the fault admin route takes at most ${limit} bytes`,
      );
    return parseJson(body.toString());
  }
  if (typeof body === 'object' && body !== null) return body;
  throw new Refusal(
    500,
    "the request body was read before the fault admin route saw it, and nothing parsed it; install faultline's middleware before body parsers",
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Refusal(400, `the body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * The body, or undefined as soon as it passes `limit` bytes: reading stops there (the request is
 * paused, not destroyed, so the refusal can still be sent).
 */
function readAtMost(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Buffer | undefined, error?: Error) => {
      request.off('data', onData).off('end', onEnd).off('error', onError);
      if (error) reject(error);
      else resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      request.pause();
      finish(undefined);
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    const onError = (error: Error) => finish(undefined, error);
    request.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** How long and how much of an unread body is taken in and dropped after a refusal, for the client to read it. */
const LINGER_MS = 2000;
const LINGER_BYTES = 8 * 1024 * 1024;

/**
 * Sends the answer. When the body was not read to its end (refused or too large), the answer goes
 * out at once, then the rest of the body is read and dropped for a moment (at most LINGER_MS and
 * LINGER_BYTES, never kept) before the connection closes: closing at once would reset the
 * connection under a client that is still sending, and it would never see why.
 */
function reply(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  const hasBody =
    request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length']) > 0;
  const unread = hasBody && !request.complete;
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
    ...(unread ? { Connection: 'close' } : {}),
  });
  if (!unread) return void response.end(text);
  response.write(text);
  let dropped = 0;
  const close = () => {
    clearTimeout(timer);
    request.off('data', drop).off('end', close).off('close', close);
    response.end();
  };
  const drop = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) close();
  };
  const timer = setTimeout(close, LINGER_MS);
  request.on('data', drop).once('end', close).once('close', close);
  request.resume();
}
