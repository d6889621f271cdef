import type { IncomingMessage } from 'node:http';
import { FaultlineError } from '../model/errors.js';
import { firstDuplicateKey } from '../model/json-duplicate-key.js';

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Arrays and objects in a body may nest this deep. No request needs a tenth of it (a journal
 * with its arguments stays under 30), and validating a much deeper body would exhaust the stack.
 */
export const MAX_JSON_DEPTH = 256;

/** Reads a JSON body. The Content-Type is not checked, as Toxiproxy does not (curl -d works). */
export async function readJson(request: IncomingMessage): Promise<unknown> {
  const text = await readText(request);
  if (text.trim() === '') {
    throw new FaultlineError('FAULTLINE_ERR_BAD_BODY', 'bad request body: EOF', {
      hint: 'the body is empty; send a JSON value',
    });
  }
  return parseJsonBody(text, 'the body is not valid JSON; check quotes, commas and brackets');
}

/** Parses a body's text; `hint` says what to send when it is not JSON. */
export function parseJsonBody(text: string, hint: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    throw new FaultlineError('FAULTLINE_ERR_BAD_BODY', `bad request body: ${message}`, {
      hint: trailingTextHint(text, message) ?? hint,
    });
  }
  const depth = nestingDepth(value);
  if (depth > MAX_JSON_DEPTH) {
    throw new FaultlineError(
      'FAULTLINE_ERR_BAD_BODY',
      `bad request body: JSON nested deeper than ${MAX_JSON_DEPTH} levels`,
      {
        hint: `received arrays and objects nested ${depth} levels deep; the limit is ${MAX_JSON_DEPTH}, and no request of the API comes near it: check that the body is the one you meant to send`,
      },
    );
  }
  const duplicate = firstDuplicateKey(text);
  if (duplicate !== undefined) {
    throw new FaultlineError(
      'FAULTLINE_ERR_BAD_BODY',
      `bad request body: duplicate key ${JSON.stringify(duplicate)}`,
      {
        hint: `${JSON.stringify(duplicate)} is written twice in one object; only the last value would be read (Toxiproxy keeps it in silence): write each key once`,
      },
    );
  }
  return value;
}

/**
 * A body that is one JSON value followed by more text (`{"type":"noop"} junk`, two values) is
 * valid JSON up to that point: saying it is not would send the user looking for a missing comma.
 */
function trailingTextHint(text: string, message: string): string | undefined {
  const position = /non-whitespace character after JSON at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return undefined;
  const rest = text.slice(Number(position)).trim();
  const shown = rest.length > 40 ? `${rest.slice(0, 40)}...` : rest;
  return `the body is one JSON value followed by ${JSON.stringify(shown)}; send the value alone (Toxiproxy 2.12 ignores what follows it, faultline refuses it so that nothing sent is ignored)`;
}

/** How deep arrays and objects nest in a parsed JSON value (0 for a scalar); no recursion. */
function nestingDepth(root: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[root, 0]];
  for (let entry = pending.pop(); entry; entry = pending.pop()) {
    const [value, depth] = entry;
    if (typeof value !== 'object' || value === null) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return deepest;
}

export async function readText(request: IncomingMessage): Promise<string> {
  // A declared size over the limit is refused before a byte is read: nothing waits for the body.
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge(`Content-Length says ${declared} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        throw tooLarge(`over ${MAX_BODY_BYTES} bytes came`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    // node:http's `aborted`: the client's input, not a bug of the server's to log as one.
    if ((error as NodeJS.ErrnoException).code === 'ECONNRESET') throw cutOff(size, declared);
    throw error;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Go's words for a body that ends before its Content-Length or its last chunk. */
function cutOff(received: number, declared: number): FaultlineError {
  return new FaultlineError('FAULTLINE_ERR_BAD_BODY', 'bad request body: unexpected EOF', {
    hint: `the client closed the connection after ${received} bytes of the body${declared > 0 ? ` (Content-Length said ${declared})` : ''}; nothing was changed`,
  });
}

function tooLarge(received: string): FaultlineError {
  return new FaultlineError('FAULTLINE_ERR_BODY_TOO_LARGE', 'request body too large', {
    hint: `${received}; the limit is ${MAX_BODY_BYTES} bytes; split a large /populate into several calls`,
  });
}
