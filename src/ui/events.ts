import { createParser } from 'eventsource-parser';
import type { ProxySummary } from '../model/events.js';
import { apiUrl, renewSession, sessionHeaders } from './api.js';

/** One event from GET /events, as docs/metrics.md describes it. */
export interface ServerEvent {
  /** The stream's id; an events.lost notice, which has none, is placed after the last one seen. */
  id: number;
  time: string;
  type: string;
  /** None on a halt, which reaches every proxy. */
  proxy?: string | ProxySummary;
  [field: string]: unknown;
}

export type StreamState = 'connecting' | 'live' | 'retrying' | 'ended';

const RETRY_MS = 1000;

/**
 * Follows /events with fetch rather than EventSource, because EventSource cannot send the
 * dashboard's session header. Starts with the server's recent history (since=0) and, after a
 * lost connection, resumes after the last id seen, so nothing is shown twice or missed. A
 * refused session means a restarted server: the session is renewed, `onRestart` lets the page
 * drop what it showed, and the stream starts again from the new server's history.
 */
export function followEvents(
  onEvent: (event: ServerEvent) => void,
  onState: (state: StreamState) => void,
  onRestart: () => void,
): () => void {
  const stop = new AbortController();
  let lastId = 0;
  let renewed = false;

  const read = async () => {
    onState('connecting');
    const response = await fetch(apiUrl(`events?since=${lastId}`), {
      headers: sessionHeaders(),
      signal: stop.signal,
    });
    if (response.status === 403) {
      await response.arrayBuffer();
      // The server restarted (or the session grew old): a new session, and its events from the start.
      // Refused again right after a renewal: the session is not the problem, so no loop.
      if (renewed || !(await renewSession())) return 'ended';
      renewed = true;
      lastId = 0;
      onRestart();
      return 'renewed';
    }
    if (!response.ok || response.body === null) throw new Error(`/events answered ${response.status}`);
    renewed = false;
    onState('live');
    const parser = createParser({
      onEvent: (message) => {
        // events.lost has no id. On the first load the page shows the server's recent history, so
        // what is older is no news; after a lost connection it is a gap the timeline must show.
        if (message.id === undefined && message.event === 'events.lost') {
          if (lastId > 0) onEvent({ ...(JSON.parse(message.data) as ServerEvent), id: lastId + 0.5 });
          return;
        }
        const id = Number(message.id);
        if (!Number.isFinite(id) || id <= lastId) return;
        lastId = id;
        onEvent({ ...(JSON.parse(message.data) as ServerEvent), id });
      },
    });
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return 'closed';
      parser.feed(decoder.decode(value, { stream: true }));
    }
  };

  void (async () => {
    while (!stop.signal.aborted) {
      try {
        // The server refuses this page's session once it restarts; a session that cannot be renewed ends.
        const how = await read();
        if (how === 'ended') return onState('ended');
        if (how === 'renewed') continue;
      } catch {
        // The server went away or restarted: try again below, unless the page is closing.
      }
      if (stop.signal.aborted) return;
      onState('retrying');
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  })();
  return () => stop.abort();
}

export function proxyNameOf(event: ServerEvent): string {
  if (event.proxy === undefined) return '';
  return typeof event.proxy === 'string' ? event.proxy : event.proxy.name;
}
