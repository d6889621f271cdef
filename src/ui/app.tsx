import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, whenSessionRenewed } from './api.js';
import { followEvents, type ServerEvent, type StreamState } from './events.js';
import { HaltButton } from './halt.js';
import type { DashboardProxy } from './model.js';
import { ProxyCard } from './proxy-card.js';
import { ProxyForm } from './proxy-form.js';
import { Ledger, type LedgerRecord, type RunRecord, Runs } from './runs.js';
import { followThroughput, type Throughput } from './throughput.js';
import { Timeline } from './timeline.js';
import { usePoll } from './use-poll.js';

const MAX_EVENTS = 500;
const changes = /^(proxy|toxic)\.(created|updated|deleted|added|removed)$/;

/**
 * The newest MAX_EVENTS events of each kind, connection opens and closes apart from the rest,
 * so a flood of connections never pushes the fired toxics out of the timeline.
 */
function keepRecent(newestFirst: ServerEvent[]): ServerEvent[] {
  let connections = 0;
  let others = 0;
  return newestFirst.filter((event) =>
    event.type.startsWith('connection.') ? connections++ < MAX_EVENTS : others++ < MAX_EVENTS,
  );
}

export function App() {
  const [proxies, setProxies] = useState<DashboardProxy[]>();
  const [loadError, setLoadError] = useState<string>();
  const [events, setEvents] = useState<ServerEvent[]>([]);
  const [stream, setStream] = useState<StreamState>('connecting');
  const [rates, setRates] = useState(new Map<string, Throughput>());
  const [halts, setHalts] = useState(0);
  const [newProxyForm, setNewProxyForm] = useState(0);
  const [runs] = usePoll<RunRecord[]>('/runs', 3000, halts);
  const [ledger] = usePoll<LedgerRecord[]>('/ledger', 5000, halts);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const refresh = useCallback(async () => {
    try {
      const all = await api<Record<string, DashboardProxy>>('GET', '/proxies?explain');
      setProxies(Object.values(all).sort((a, b) => a.name.localeCompare(b.name)));
      setLoadError(undefined);
    } catch (error) {
      setLoadError((error as Error).message);
    }
  }, []);

  useEffect(() => {
    void refresh();
    // A renewed session means a restarted server: everything shown may be stale.
    whenSessionRenewed(() => {
      setHalts((count) => count + 1);
      void refresh();
    });
    // Under load thousands of events a second may arrive: they are drawn in batches, four a second.
    let batch: ServerEvent[] = [];
    const flush = setInterval(() => {
      if (batch.length === 0) return;
      const arrived = batch.reverse();
      batch = [];
      setEvents((list) => keepRecent([...arrived, ...list]));
    }, 250);
    const stopEvents = followEvents(
      (event) => {
        batch.push(event);
        if (batch.length > 2 * MAX_EVENTS) batch.shift();
        // Another client changed something: reload once the burst of events is over.
        if (changes.test(event.type) && pending.current === undefined) {
          pending.current = setTimeout(() => {
            pending.current = undefined;
            void refresh();
          }, 100);
        }
      },
      (state) => {
        setStream(state);
        if (state === 'live') {
          // Reconnected: reload proxies, runs and the ledger rather than show the old ones as real.
          void refresh();
          setHalts((count) => count + 1);
        } else if (state === 'retrying') {
          setLoadError('lost the connection to the server; what is shown may be out of date, reconnecting…');
        }
      },
      () => {
        batch = [];
        setEvents([]);
      },
    );
    const stopRates = followThroughput(setRates, () => setRates(new Map()));
    return () => {
      clearInterval(flush);
      stopEvents();
      stopRates();
    };
  }, [refresh]);

  return (
    <>
      <header class="top">
        <h1>
          faultline <span>dashboard</span>
        </h1>
        <HaltButton
          onHalted={() => {
            setHalts((count) => count + 1);
            void refresh();
          }}
        />
      </header>
      <main class="layout">
        <section class="panel proxies" aria-labelledby="proxies-title">
          <h2 id="proxies-title">Proxies</h2>
          {loadError === undefined ? null : (
            <p class="error" role="alert">
              Could not load the proxies: {loadError}
            </p>
          )}
          {proxies === undefined ? <p class="empty">Loading…</p> : null}
          {proxies?.length === 0 ? <p class="empty">No proxies yet. Create one below.</p> : null}
          {proxies?.map((proxy) => (
            <ProxyCard
              key={proxy.name}
              proxy={proxy}
              rate={rates.get(proxy.name)}
              onChange={() => void refresh()}
            />
          ))}
          <details
            class="new-proxy"
            open={proxies?.length === 0}
            onToggle={(event) => {
              // Closed and opened again: a new form, without the last attempt's errors.
              if (!event.currentTarget.open) setNewProxyForm((count) => count + 1);
            }}
          >
            <summary>New proxy</summary>
            <ProxyForm key={newProxyForm} onDone={() => void refresh()} />
          </details>
        </section>
        <div class="side">
          <Timeline events={events} state={stream} />
          <Runs runs={runs} ledger={ledger} />
          <Ledger ledger={ledger} runs={runs} />
        </div>
      </main>
    </>
  );
}
