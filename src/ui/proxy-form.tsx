import { useState } from 'preact/hooks';
import { useFocusFirst } from './focus.js';
import { api } from './api.js';
import { Field, FormLevelError } from './field.js';
import { useFormSubmit } from './form-submit.js';
import type { DashboardProxy } from './model.js';

interface ProxyFormProps {
  /** The proxy to change; without it the form creates one. */
  current?: DashboardProxy;
  onDone: () => void;
}

const protocols = ['tcp', 'http', 'http2', 'udp'];

/** Creates a proxy (POST /proxies) or changes its listen and upstream addresses. */
export function ProxyForm({ current, onDone }: ProxyFormProps) {
  const [name, setName] = useState(current?.name ?? '');
  const [listen, setListen] = useState(current?.listen ?? '');
  const [upstream, setUpstream] = useState(current?.upstream ?? '');
  const [protocol, setProtocol] = useState<string>(current?.protocol ?? 'tcp');
  const [enabled, setEnabled] = useState(true);
  const form = useFocusFirst(current !== undefined);
  const prefix = `proxy-${current?.name ?? 'new'}`;
  const fields =
    current === undefined ? ['name', 'listen', 'upstream', 'protocol', 'enabled'] : ['listen', 'upstream'];
  const { error, busy, send } = useFormSubmit(fields, onDone);

  const submit = (event: Event) => {
    event.preventDefault();
    return send(async () => {
      if (current === undefined) {
        await api('POST', '/proxies', {
          name,
          upstream,
          enabled,
          ...(listen.trim() === '' ? {} : { listen }),
          // Only non-default protocols are sent, so a server without protocols still takes TCP ones.
          ...(protocol === 'tcp' ? {} : { protocol }),
        });
        setName('');
        setListen('');
        setUpstream('');
      } else {
        const changed = {
          ...(listen === current.listen ? {} : { listen }),
          ...(upstream === current.upstream ? {} : { upstream }),
        };
        await api('POST', `/proxies/${encodeURIComponent(current.name)}`, changed);
      }
    });
  };

  return (
    <form
      ref={form}
      class="proxy-form"
      noValidate
      aria-label={current === undefined ? 'New proxy' : `Change proxy ${current.name}`}
      onSubmit={(event) => void submit(event)}
      onKeyDown={(event) => event.key === 'Escape' && current !== undefined && onDone()}
    >
      <FormLevelError error={error} />
      <div class="row">
        {current === undefined ? (
          <Field id={`${prefix}-name`} label="Name" field="name" error={error}>
            {(props) => (
              <input
                {...props}
                name="name"
                value={name}
                placeholder="redis"
                autoComplete="off"
                onInput={(event) => setName(event.currentTarget.value)}
              />
            )}
          </Field>
        ) : null}
        <Field id={`${prefix}-listen`} label="Listen" field="listen" error={error}>
          {(props) => (
            <input
              {...props}
              name="listen"
              value={listen}
              placeholder="127.0.0.1:0"
              autoComplete="off"
              onInput={(event) => setListen(event.currentTarget.value)}
            />
          )}
        </Field>
        <Field id={`${prefix}-upstream`} label="Upstream" field="upstream" error={error}>
          {(props) => (
            <input
              {...props}
              name="upstream"
              value={upstream}
              placeholder="127.0.0.1:6379"
              autoComplete="off"
              onInput={(event) => setUpstream(event.currentTarget.value)}
            />
          )}
        </Field>
        {current === undefined ? (
          <Field id={`${prefix}-protocol`} label="Protocol" field="protocol" error={error}>
            {(props) => (
              <select
                {...props}
                name="protocol"
                value={protocol}
                onChange={(event) => setProtocol(event.currentTarget.value)}
              >
                {protocols.map((option) => (
                  <option key={option} value={option}>
                    {option}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        {current === undefined ? (
          <div class="field check">
            <input
              id={`${prefix}-enabled`}
              type="checkbox"
              name="enabled"
              checked={enabled}
              onChange={(event) => setEnabled(event.currentTarget.checked)}
            />
            <label for={`${prefix}-enabled`}>Enabled</label>
          </div>
        ) : null}
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {current === undefined ? 'Create proxy' : 'Save proxy'}
        </button>
        {current === undefined ? null : (
          <button type="button" onClick={onDone}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
