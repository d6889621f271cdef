import type { ServerResponse } from 'node:http';
import { FaultlineError, isFaultlineError } from '../model/errors.js';

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

export function sendEmpty(response: ServerResponse, status: number): void {
  response.writeHead(status);
  response.end();
}

export function sendText(
  response: ServerResponse,
  status: number,
  text: string,
  type = 'text/plain; charset=utf-8',
): void {
  response.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

/** Toxiproxy's error shape: {"error","status"} as text/plain with a trailing newline; faultline adds "code". */
export function sendError(response: ServerResponse, error: unknown): void {
  const known = toFaultlineError(error);
  const text = `${JSON.stringify({ error: known.message, status: known.status, code: known.code })}\n`;
  response.writeHead(known.status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

export function toFaultlineError(error: unknown): FaultlineError {
  if (isFaultlineError(error)) return error;
  return new FaultlineError(
    'FAULTLINE_ERR_INTERNAL',
    `internal error: ${(error as Error)?.message ?? String(error)}`,
    {
      cause: error,
    },
  );
}
