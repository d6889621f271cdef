import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeValue, FaultlineError } from '../model/errors.js';
import { engineEventTypes, eventProxyName, typeMatches, unknownEventTypes } from '../model/events.js';
import { NAME_CHARACTERS, NAME_PATTERN } from '../model/names.js';
import type { EngineEvent, EventBus } from '../proxy/events.js';

export interface StampedEvent {
  id: number;
  /** When it happened, in epoch milliseconds: formatted only for a client that is sent it. */
  at: number;
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
 * What one subscriber may leave unread before it is dropped: a client that stops reading (a
 * suspended `curl -N`, a frozen tab) would otherwise hold every later event in the server's
 * memory. Dropped, it reconnects with Last-Event-ID and is told with `events.lost` what it lost.
 */
export const MAX_UNREAD_EVENT_BYTES = 1024 * 1024;
/** Subscribers at once: with the cap above, what all of them may hold stays bounded (100 MiB). */
export const MAX_EVENT_SUBSCRIBERS = 100;

/**
 * Filters: `?types=toxic.fired,proxy` keeps events whose type equals or starts with a listed
 * prefix; `?proxy=name` keeps one proxy's events. `?since=ID` or Last-Event-ID replays what the
 * history still holds after that id, first saying with an `events.lost` event what it lost.
 */
export function createEventStream(
  bus: EventBus,
  proxyNames: () => string[],
  /** Told of each subscriber dropped for what it left unread, which no last event can reach. */
  onDropped: (dropped: { unreadBytes: number; lastId: number }) => void = () => {},
): EventStream {
  const history: StampedEvent[] = [];
  const clients = new Set<{ send(stamped: StampedEvent): void; ping(): void }>();
  let nextId = 1;
  const unsubscribe = bus.on((event) => {
    const stamped = { id: nextId++, at: Date.now(), event };
    history.push(stamped);
    if (history.length > HISTORY) history.shift();
    for (const client of clients) client.send(stamped);
  });
  const heartbeat = setInterval(() => {
    for (const client of clients) client.ping();
  }, HEARTBEAT_MS);
  heartbeat.unref();

  /** What a client that last saw `lastSeen` missed beyond the history, as an `events.lost` event. */
  const gapSince = (lastSeen: number): object | undefined => {
    if (lastSeen >= nextId) {
      return {
        after: lastSeen,
        lost: null,
        replayFrom: history[0]?.id ?? nextId,
        message: `no event has had the id ${lastSeen} yet: the server restarted since (ids start again at 1), so events between are lost; replaying the ${history.length} it still has`,
      };
    }
    const oldest = history[0]?.id ?? nextId;
    if (oldest <= lastSeen + 1) return undefined;
    const lost = oldest - lastSeen - 1;
    return {
      after: lastSeen,
      lost,
      replayFrom: oldest,
      message: `${lost} events after id ${lastSeen} are lost: the server keeps the last ${HISTORY}; replaying from id ${oldest}`,
    };
  };

  return {
    serve(request, response) {
      const query = readQuery(request);
      if (clients.size >= MAX_EVENT_SUBSCRIBERS) {
        throw new FaultlineError('FAULTLINE_ERR_LIMIT_REACHED', 'too many event subscribers', {
          hint: `${MAX_EVENT_SUBSCRIBERS} clients already follow /events on this server; close one (a dashboard tab, a faultline watch) and try again`,
        });
      }
      const unknownProxy = query.proxy !== undefined && !proxyNames().includes(query.proxy);
      response.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      response.write(': faultline events\n\n');
      if (unknownProxy) {
        response.write(
          `: no proxy is named ${JSON.stringify(query.proxy)} now; its events show once a proxy of that name is created\n\n`,
        );
      }
      const wants = matcher(query);
      const send = (stamped: StampedEvent) => {
        if (!wants(stamped.event)) return;
        response.write(
          `id: ${stamped.id}\nevent: ${stamped.event.type}\ndata: ${JSON.stringify({ time: new Date(stamped.at).toISOString(), ...stamped.event })}\n\n`,
        );
      };
      if (query.lastSeen !== undefined) {
        const gap = gapSince(query.lastSeen);
        // No id line: a browser's EventSource keeps the id it will resume from.
        if (gap) {
          response.write(
            `event: events.lost\ndata: ${JSON.stringify({ time: new Date().toISOString(), type: 'events.lost', ...gap })}\n\n`,
          );
        }
        // An id no event has had yet is from before a restart: everything kept is new to the client.
        const after = query.lastSeen >= nextId ? 0 : query.lastSeen;
        for (const stamped of history) if (stamped.id > after) send(stamped);
      }
      // The replay above is bounded by the history; what comes live is not, unless it is read.
      const live = (write: () => void) => {
        if (response.destroyed) return;
        write();
        if (response.writableLength <= MAX_UNREAD_EVENT_BYTES) return;
        onDropped({ unreadBytes: response.writableLength, lastId: nextId - 1 });
        response.destroy();
      };
      const client = {
        send: (stamped: StampedEvent) => live(() => send(stamped)),
        ping: () => live(() => response.write(': keep-alive\n\n')),
      };
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

interface EventQuery {
  types?: string[];
  proxy?: string;
  lastSeen?: number;
}

export const eventQueryKeys: readonly string[] = ['types', 'proxy', 'since'];

const givenTwiceHints: Readonly<Record<string, string>> = {
  types: 'give it once, with the prefixes comma-separated: types=toxic,proxy.deleted',
  proxy: 'give it once: a stream follows one proxy, or every proxy when proxy is left out',
  since: 'give it once: the id of the last event seen',
};

/** The query and Last-Event-ID, checked: a filter that could never match or a bad id is a 400. */
function readQuery(request: IncomingMessage): EventQuery {
  const params = new URL(request.url ?? '/', 'http://localhost').searchParams;
  // A parameter of another name was refused before (query-check.ts).
  for (const key of new Set(params.keys())) {
    if (params.getAll(key).length > 1) {
      throw badQuery(`query parameter ${key} given more than once`, givenTwiceHints[key] ?? 'give it once');
    }
  }
  const query: EventQuery = {};
  const types = params.get('types');
  if (types !== null) {
    query.types = types.split(',').filter(Boolean);
    const unknown = unknownEventTypes(query.types);
    if (query.types.length === 0 || unknown.length > 0) {
      throw badQuery(
        `types names no event type: ${JSON.stringify(types)}`,
        `${unknown.length > 0 ? `no event type is or starts with ${unknown.map((type) => JSON.stringify(type)).join(', ')}; ` : ''}event types: ${engineEventTypes.join(', ')} (or a prefix such as proxy, toxic, connection, http)`,
      );
    }
  }
  const proxy = params.get('proxy');
  if (proxy !== null) query.proxy = proxyFilter(proxy);
  const sent = request.headers['last-event-id'];
  const header = Array.isArray(sent) ? sent.join(', ') : sent;
  const since = header === undefined || header === '' ? params.get('since') : header;
  if (since !== null) {
    if (!/^\d{1,15}$/.test(since)) {
      const where = header ? 'the Last-Event-ID header' : 'since';
      throw badQuery(
        `invalid ${where}`,
        `received ${JSON.stringify(since)}; expected the id of an event, a whole number (0 replays everything the server still has)`,
      );
    }
    query.lastSeen = Number(since);
  }
  return query;
}

/**
 * A proxy name no proxy can ever have (empty, as an unset shell variable gives, or with a space)
 * would follow nothing but halts, for ever, while the stream said the proxy may come later.
 */
function proxyFilter(proxy: string): string {
  if (NAME_PATTERN.test(proxy)) return proxy;
  throw badQuery(
    `invalid proxy: ${describeValue(proxy)}`,
    `no proxy can be named so: a proxy name is one or more of ${NAME_CHARACTERS}; leave proxy out to follow every proxy`,
  );
}

function badQuery(message: string, hint: string): FaultlineError {
  return new FaultlineError('FAULTLINE_ERR_INVALID_FIELD', message, { hint });
}

function matcher({ types, proxy }: EventQuery): (event: EngineEvent) => boolean {
  return (event) => {
    if (types && !types.some((prefix) => typeMatches(event.type, prefix))) return false;
    if (proxy === undefined) return true;
    // A halt reaches every proxy: a stream that follows one proxy shows it too.
    const name = eventProxyName(event);
    return name === undefined || name === proxy;
  };
}
