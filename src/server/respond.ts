import type { ServerResponse } from 'node:http';
import { FaultlineError, isFaultlineError } from '../model/errors.js';
import { FILES_REPLACED_HINT, isFilesReplacedError } from './files-replaced.js';

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  sendJsonText(response, status, JSON.stringify(body));
}

/** A JSON answer already written as text (see ordered-json.ts). */
export function sendJsonText(response: ServerResponse, status: number, text: string): void {
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

/**
 * Toxiproxy's error shape, {"error","status"} as text/plain with a trailing newline, with
 * faultline's `hint` and `code` after them: clients that know only Toxiproxy read `error`.
 */
export function errorBody(error: FaultlineError): {
  error: string;
  status: number;
  hint?: string;
  code: string;
} {
  return {
    error: error.reason,
    status: error.status,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    code: error.code,
  };
}

export function sendError(response: ServerResponse, error: unknown): void {
  const known = toFaultlineError(error);
  const text = `${JSON.stringify(errorBody(known))}\n`;
  response.writeHead(known.status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

export function toFaultlineError(error: unknown): FaultlineError {
  if (isFaultlineError(error)) return error;
  return new FaultlineError('FAULTLINE_ERR_INTERNAL', (error as Error)?.message ?? String(error), {
    cause: error,
    hint: isFilesReplacedError(error)
      ? FILES_REPLACED_HINT
      : 'this is a bug in faultline; the server log has the details',
  });
}
