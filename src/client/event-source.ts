import type { EngineEvent } from '../model/events.js';

/**
 * One event from GET /events: `data` is the event itself, with the time the server saw it.
 * Checking `type` narrows `data` to that event's fields.
 */
export type ServerEvent = StreamedEvent | EventsLostNotice;

export type StreamedEvent = {
  [T in EngineEvent['type']]: {
    id: number;
    type: T;
    time: string;
    data: Extract<EngineEvent, { type: T }> & { time: string };
  };
}[EngineEvent['type']];

/**
 * The server's notice, before a replay (`since`), that events are gone: the server keeps the
 * last 1000, or restarted (`lost` null). It has no id, so it is not a place to resume from.
 */
export interface EventsLostNotice {
  id: undefined;
  type: 'events.lost';
  time: string;
  data: {
    type: 'events.lost';
    time: string;
    after: number;
    lost: number | null;
    replayFrom: number;
    message: string;
  };
}

/** Parses a Server-Sent Events body into events; comments and keep-alives are skipped. */
export async function* parseEventStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<ServerEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = parseBlock(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (event) yield event;
      end = buffer.indexOf('\n\n');
    }
  }
}

function parseBlock(block: string): ServerEvent | undefined {
  const fields = new Map<string, string>();
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const value = line.slice(colon + 1);
    fields.set(line.slice(0, colon), value.startsWith(' ') ? value.slice(1) : value);
  }
  const data = fields.get('data');
  if (!fields.get('event') || data === undefined) return undefined;
  const parsed = JSON.parse(data) as ServerEvent['data'];
  const id = fields.get('id');
  return {
    id: id === undefined ? undefined : Number(id),
    type: parsed.type,
    time: parsed.time,
    data: parsed,
  } as ServerEvent;
}
