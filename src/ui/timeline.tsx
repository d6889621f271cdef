import { useState } from 'preact/hooks';
import { clockTime } from '../model/clock-time.js';
import { describeEvent } from './describe-event.js';
import type { ServerEvent, StreamState } from './events.js';

const stateText: Record<StreamState, string> = {
  connecting: 'connecting…',
  live: 'live',
  retrying: 'connection lost, retrying…',
  ended: 'session ended: reload the page',
};

/**
 * Hidden until *connections* is ticked: every connection opens and closes. One that could not
 * reach its upstream (connection.failed) is a failure to see, and is always shown.
 */
const CONNECTION_CHURN = new Set(['connection.opened', 'connection.closed']);

/** The newest events first: which fault fired, when, on which connection or request. */
export function Timeline({ events, state }: { events: readonly ServerEvent[]; state: StreamState }) {
  const [connections, setConnections] = useState(false);
  const shown = events.filter((event) => connections || !CONNECTION_CHURN.has(event.type));
  return (
    <section class="panel timeline" aria-labelledby="timeline-title">
      <header>
        <h2 id="timeline-title">Timeline</h2>
        <span class={`badge stream ${state}`}>{stateText[state]}</span>
        <label class="check">
          <input
            type="checkbox"
            checked={connections}
            onChange={(event) => setConnections(event.currentTarget.checked)}
          />
          connections
        </label>
      </header>
      {shown.length === 0 ? (
        <p class="empty">No events yet. Faults appear here the moment they fire.</p>
      ) : null}
      <div role="log" aria-label="events, newest first">
        <ol>
          {shown.map((event) => (
            <li key={event.id} class={`event ${event.type.replace('.', '-')}`} data-type={event.type}>
              <time dateTime={event.time}>{clockTime(event.time)}</time>
              <span class="kind">{event.type}</span>
              <span class="what">{describeEvent(event)}</span>
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}
