import { useState } from 'preact/hooks';

import { api } from './api.js';
import { ErrorText } from './field.js';
import { focusOnMount } from './focus.js';
import { formError, type FormError } from './form-error.js';
import { type DashboardProxy, type ExplainedToxic, explain } from './model.js';
import { ProxyForm } from './proxy-form.js';
import { formatRate, type Throughput } from './throughput.js';
import { ToxicForm } from './toxic-form.js';
import { isOff, rememberToxicity, toxicityToRestore } from './toxic-switch.js';

interface ProxyCardProps {
  proxy: DashboardProxy;
  rate: Throughput | undefined;
  onChange: () => void;
}

/** One proxy: its addresses, state, live throughput, toxics and the controls for all of them. */
export function ProxyCard({ proxy, rate, onChange }: ProxyCardProps) {
  const [editing, setEditing] = useState(false);
  const [adding, setAdding] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  // Set once a control replaced by another was used, so the keyboard focus follows the swap.
  const [swapped, setSwapped] = useState(false);
  const focusIfSwapped = swapped ? focusOnMount : null;
  const [error, setError] = useState<FormError>();
  const path = `/proxies/${encodeURIComponent(proxy.name)}`;

  const act = async (work: () => Promise<unknown>) => {
    try {
      await work();
      setError(undefined);
    } catch (failure) {
      setError(formError(failure, []));
    }
    onChange();
  };

  return (
    <article
      class={`proxy${proxy.enabled ? '' : ' disabled'}`}
      data-proxy={proxy.name}
      aria-labelledby={`p-${proxy.name}`}
    >
      <header>
        <h3 id={`p-${proxy.name}`}>{proxy.name}</h3>
        <span class="badge protocol" title="protocol">
          {proxy.protocol ?? 'tcp'}
        </span>
        <span class={`badge state ${proxy.enabled ? 'on' : 'off'}`}>
          {proxy.enabled ? 'enabled' : 'disabled'}
        </span>
        <span class="rate" title="bytes per second sent, to the upstream and back to clients (from /metrics)">
          {rate === undefined ? '… B/s' : `↑ ${formatRate(rate.upstream)} ↓ ${formatRate(rate.downstream)}`}
        </span>
      </header>
      <p class="addresses">
        <code>{proxy.listen}</code> → <code>{proxy.upstream}</code>
      </p>
      {error === undefined ? null : <ErrorText error={error} />}
      <div class="actions">
        <button type="button" onClick={() => void act(() => api('POST', path, { enabled: !proxy.enabled }))}>
          {proxy.enabled ? 'Disable' : 'Enable'}
        </button>
        <button
          type="button"
          aria-expanded={editing}
          onClick={() => {
            setError(undefined);
            setEditing(!editing);
          }}
        >
          Edit addresses
        </button>
        {confirmDelete ? (
          <>
            <button
              type="button"
              class="danger"
              ref={focusOnMount}
              onClick={() => void act(() => api('DELETE', path))}
            >
              Delete {proxy.name} now
            </button>
            <button
              type="button"
              onClick={() => {
                setSwapped(true);
                setConfirmDelete(false);
              }}
            >
              Keep it
            </button>
          </>
        ) : (
          <button type="button" ref={focusIfSwapped} onClick={() => setConfirmDelete(true)}>
            Delete…
          </button>
        )}
      </div>
      {editing ? (
        <ProxyForm
          current={proxy}
          onDone={() => {
            setEditing(false);
            onChange();
          }}
        />
      ) : null}
      <h4>Toxics</h4>
      {proxy.toxics.length === 0 ? <p class="empty">No toxics: traffic passes untouched.</p> : null}
      <ul class="toxics">
        {proxy.toxics.map((toxic) => (
          <ToxicRow key={toxic.name} proxy={proxy.name} toxic={toxic} act={act} onChange={onChange} />
        ))}
      </ul>
      {adding ? (
        <ToxicForm
          proxy={proxy.name}
          onDone={() => {
            setSwapped(true);
            setAdding(false);
            onChange();
          }}
        />
      ) : (
        <button type="button" class="primary" ref={focusIfSwapped} onClick={() => setAdding(true)}>
          Add toxic
        </button>
      )}
    </article>
  );
}

interface ToxicRowProps {
  proxy: string;
  toxic: ExplainedToxic;
  act: (work: () => Promise<unknown>) => Promise<void>;
  onChange: () => void;
}

function ToxicRow({ proxy, toxic, act, onChange }: ToxicRowProps) {
  const [editing, setEditing] = useState(false);
  const path = `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(toxic.name)}`;
  const off = isOff(toxic);
  const toggle = () =>
    act(() => {
      if (!off) rememberToxicity(proxy, toxic);
      return api('POST', path, { toxicity: off ? toxicityToRestore(proxy, toxic) : 0 });
    });
  return (
    <li class={`toxic${off ? ' off' : ''}`} data-toxic={toxic.name}>
      <p class="explain">
        {explain(toxic)}
        {off ? (
          <>
            {' '}
            <span class="badge off">off</span>
          </>
        ) : null}
      </p>
      <div class="actions">
        <button type="button" aria-pressed={!off} onClick={() => void toggle()}>
          {off ? 'Turn on' : 'Turn off'}
        </button>
        <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          Edit
        </button>
        <button type="button" onClick={() => void act(() => api('DELETE', path))}>
          Remove
        </button>
      </div>
      {editing ? (
        <ToxicForm
          proxy={proxy}
          current={toxic}
          onDone={() => {
            setEditing(false);
            onChange();
          }}
        />
      ) : null}
    </li>
  );
}
