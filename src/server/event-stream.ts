import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EngineEvent, EventBus } from '../proxy/events.js';

export interface StampedEvent {
  id: number;
  time: string;
  event: EngineEvent;
}

export interface EventStream {
  /** Serves GET /events as Server-Sent Events; replays what was missed after Last-Event-ID. */
  serve(request: IncomingMessage, response: ServerResponse): void;
  recent(): readonly StampedEvent[];
  close(): void;
}

const HISTORY = 1000;
const HEARTBEAT_MS = 15_000;

/**
 * Filters: `?types=toxic.fired,proxy` keeps events whose type equals or starts with a listed
 * prefix; `?proxy=name` keeps one proxy's events.
 */
export function createEventStream(bus: EventBus): EventStream {
  const history: StampedEvent[] = [];
  const clients = new Set<{ send(stamped: StampedEvent): void; ping(): void }>();
  let nextId = 1;
  const unsubscribe = bus.on((event) => {
    const stamped = { id: nextId++, time: new Date().toISOString(), event };
    history.push(stamped);
    if (history.length > HISTORY) history.shift();
    for (const client of clients) client.send(stamped);
  });
  const heartbeat = setInterval(() => {
    for (const client of clients) client.ping();
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    serve(request, response) {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const wants = matcher(url.searchParams);
      response.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      response.write(': faultline events\n\n');
      const send = (stamped: StampedEvent) => {
        if (!wants(stamped.event)) return;
        response.write(
          `id: ${stamped.id}\nevent: ${stamped.event.type}\ndata: ${JSON.stringify({ time: stamped.time, ...stamped.event })}\n\n`,
        );
      };
      const lastSeen = Number(
        request.headers['last-event-id'] ?? url.searchParams.get('since') ?? Number.NaN,
      );
      if (Number.isFinite(lastSeen)) for (const stamped of history) if (stamped.id > lastSeen) send(stamped);
      const client = { send, ping: () => response.write(': keep-alive\n\n') };
      clients.add(client);
      const stop = () => clients.delete(client);
      request.once('close', stop);
      response.once('close', stop);
    },
    recent: () => history,
    close() {
      unsubscribe();
      clearInterval(heartbeat);
      clients.clear();
    },
  };
}

function matcher(query: URLSearchParams): (event: EngineEvent) => boolean {
  const types = query.get('types')?.split(',').filter(Boolean);
  const proxy = query.get('proxy');
  return (event) => {
    if (types && !types.some((prefix) => event.type === prefix || event.type.startsWith(`${prefix}.`)))
      return false;
    if (proxy === null) return true;
    const name = typeof event.proxy === 'string' ? event.proxy : event.proxy.name;
    return name === proxy;
  };
}
