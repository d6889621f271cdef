import { useLayoutEffect, useRef, useState } from 'preact/hooks';

import { api } from './api.js';
import { ErrorText } from './field.js';
import { focusOnMount } from './focus.js';
import { formError, type FormError } from './form-error.js';
import { proxySettings } from '../model/proxy-setting-words.js';
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
  const [swapped, setSwapped] = useState<'delete' | 'add'>();
  const focusIfSwapped = (control: 'delete' | 'add') => (swapped === control ? focusOnMount : null);
  const [error, setError] = useState<FormError>();
  const path = `/proxies/${encodeURIComponent(proxy.name)}`;
  // TLS, client certificates, upstream TLS, idle_timeout: what `faultline list --wide` shows.
  const settings = proxySettings(proxy);
  const editButton = useRef<HTMLButtonElement>(null);
  const card = useRef<HTMLElement>(null);
  // A control that closes or vanishes hands the focus on once the card has rendered without it.
  const [focusNext, setFocusNext] = useState<'edit' | 'add'>();
  useLayoutEffect(() => {
    if (focusNext === undefined) return;
    if (focusNext === 'edit') editButton.current?.focus();
    else card.current?.querySelector<HTMLButtonElement>('button[data-focus="add"]')?.focus();
    setFocusNext(undefined);
  }, [focusNext]);
  const cancelDelete = () => {
    setSwapped('delete');
    setConfirmDelete(false);
  };

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
      ref={card}
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
        <span class="rate" title="bytes per second sent, to the upstream and back to clients">
          {rate === undefined ? '… B/s' : `↑ ${formatRate(rate.upstream)} ↓ ${formatRate(rate.downstream)}`}
        </span>
      </header>
      <p class="addresses">
        <code>{proxy.listen}</code> → <code>{proxy.upstream}</code>
      </p>
      {settings.length === 0 ? null : <p class="settings">{settings.join('; ')}</p>}
      {error === undefined ? null : <ErrorText error={error} />}
      <div class="actions">
        <button type="button" onClick={() => void act(() => api('POST', path, { enabled: !proxy.enabled }))}>
          {proxy.enabled ? 'Disable' : 'Enable'}
        </button>
        <button
          type="button"
          ref={editButton}
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
              onClick={() => void act(() => api('DELETE', path))}
              onKeyDown={(event) => event.key === 'Escape' && cancelDelete()}
            >
              Delete {proxy.name} now
            </button>
            {/* The focus lands on the safe choice: one stray Enter keeps the proxy. */}
            <button
              type="button"
              ref={focusOnMount}
              onClick={cancelDelete}
              onKeyDown={(event) => event.key === 'Escape' && cancelDelete()}
            >
              Keep it
            </button>
          </>
        ) : (
          <button type="button" ref={focusIfSwapped('delete')} onClick={() => setConfirmDelete(true)}>
            Delete…
          </button>
        )}
      </div>
      {editing ? (
        <ProxyForm
          current={proxy}
          onDone={() => {
            setEditing(false);
            setFocusNext('edit');
            onChange();
          }}
        />
      ) : null}
      <h4>Toxics</h4>
      {proxy.toxics.length === 0 ? <p class="empty">No toxics: traffic passes untouched.</p> : null}
      <ul class="toxics">
        {proxy.toxics.map((toxic) => (
          <ToxicRow
            key={toxic.name}
            proxy={proxy.name}
            toxic={toxic}
            act={act}
            onChange={onChange}
            onRemoved={() => setFocusNext('add')}
          />
        ))}
      </ul>
      {adding ? (
        <ToxicForm
          proxy={proxy.name}
          onDone={() => {
            setSwapped('add');
            setAdding(false);
            onChange();
          }}
        />
      ) : (
        <button
          type="button"
          class="primary"
          ref={focusIfSwapped('add')}
          data-focus="add"
          onClick={() => setAdding(true)}
        >
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
  /** The row is about to vanish: the card moves the focus on. */
  onRemoved: () => void;
}

function ToxicRow({ proxy, toxic, act, onChange, onRemoved }: ToxicRowProps) {
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const [refocus, setRefocus] = useState(false);
  useLayoutEffect(() => {
    if (!refocus) return;
    editButton.current?.focus();
    setRefocus(false);
  }, [refocus]);
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
        <button type="button" ref={editButton} aria-expanded={editing} onClick={() => setEditing(!editing)}>
          Edit
        </button>
        <button
          type="button"
          onClick={() =>
            void act(async () => {
              await api('DELETE', path);
              onRemoved();
            })
          }
        >
          Remove
        </button>
      </div>
      {editing ? (
        <ToxicForm
          proxy={proxy}
          current={toxic}
          onDone={() => {
            setEditing(false);
            setRefocus(true);
            onChange();
          }}
        />
      ) : null}
    </li>
  );
}
