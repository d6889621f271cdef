import type { IncomingMessage } from 'node:http';
import { FaultlineError } from '../model/errors.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** Reads a JSON body. The Content-Type is not checked, as Toxiproxy does not (curl -d works). */
export async function readJson(request: IncomingMessage): Promise<unknown> {
  const text = await readText(request);
  if (text.trim() === '') {
    throw new FaultlineError('FAULTLINE_ERR_BAD_BODY', 'bad request body: EOF', {
      hint: 'the body is empty; send a JSON value',
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FaultlineError('FAULTLINE_ERR_BAD_BODY', `bad request body: ${(error as Error).message}`, {
      hint: 'the body is not valid JSON; check quotes, commas and brackets',
    });
  }
}

export async function readText(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new FaultlineError('FAULTLINE_ERR_BODY_TOO_LARGE', 'request body too large', {
        hint: `the limit is ${MAX_BODY_BYTES} bytes; split a large /populate into several calls`,
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
