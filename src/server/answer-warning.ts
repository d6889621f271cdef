import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { EngineProxy } from '../proxy/engine-proxy.js';

/**
 * Something a request asked for that was done, but likely not as the user meant: the server logs
 * it and the answer carries it in a `Warning: 299` header (one per warning), which the CLI prints.
 */
export function warnInAnswer(
  response: ServerResponse,
  log: Logger,
  fields: Record<string, unknown>,
  text: string,
): void {
  log.warn(fields, text);
  // A header carries printable ASCII only: anything else (a name, an ellipsis) goes as a JSON
  // \u escape, which the client's JSON.parse of the quoted text turns back into the character.
  const ascii = JSON.stringify(text).replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  response.appendHeader('Warning', `299 faultline ${ascii}`);
}

/** What a proxy does otherwise than its settings suggest (EngineProxy's `warnings`). */
export function warnAboutProxy(response: ServerResponse, log: Logger, proxy: EngineProxy): void {
  for (const text of proxy.warnings) warnInAnswer(response, log, { proxy: proxy.name }, text);
}
