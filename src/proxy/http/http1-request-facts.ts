import type { IncomingMessage } from 'node:http';
import type { RequestFacts } from '../../model/match.js';
import type { ServedConnection } from '../protocol.js';
import { splitTarget } from './report.js';

/** What a toxic's match sees of an HTTP/1.1 request, from the connection that carried it. */
export function http1RequestFacts(request: IncomingMessage, linked: ServedConnection): RequestFacts {
  const { path, query } = splitTarget(request.url ?? '/');
  return {
    method: request.method ?? 'GET',
    path,
    query,
    headers: request.headers,
    client: linked.client,
    scheme: linked.secure === true ? 'https' : 'http',
  };
}
