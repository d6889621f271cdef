import { useState } from 'preact/hooks';
import { useFocusFirst } from './focus.js';
import type { ToxicJson } from '../model/wire.js';
import { api } from './api.js';
import { Field, FormLevelError } from './field.js';
import { typedValue } from './form-error.js';
import { useFormSubmit } from './form-submit.js';
import { type AttributeField, attributeField, attributeText, attributeValue } from './attribute-field.js';
import { attributesOf, summaryOf, toxicTypes } from './model.js';

interface ToxicFormProps {
  proxy: string;
  /** The toxic to change; without it the form adds a new one. */
  current?: ToxicJson;
  onDone: () => void;
}

/** Adds a toxic (POST /proxies/{proxy}/toxics) or updates one's toxicity and attributes. */
export function ToxicForm({ proxy, current, onDone }: ToxicFormProps) {
  const [type, setType] = useState<string>(current?.type ?? 'latency');
  const [name, setName] = useState(current?.name ?? '');
  const [stream, setStream] = useState<string>(current?.stream ?? 'downstream');
  const [toxicity, setToxicity] = useState(current === undefined ? '' : String(current.toxicity));
  const [values, setValues] = useState<Record<string, string>>(
    Object.fromEntries(
      Object.entries(current?.attributes ?? {}).map(([key, value]) => [key, attributeText(value)]),
    ),
  );
  const [more, setMore] = useState('');
  const form = useFocusFirst();
  const attributes = attributesOf(type).map(attributeField);
  const prefix = `toxic-${proxy}-${current?.name ?? 'new'}`;
  const fields = [
    'type',
    'name',
    'stream',
    'toxicity',
    ...attributes.map((spec) => `attributes.${spec.name}`),
    ...(more.trim() === '' ? [] : ['attributes.more']),
  ];
  const { error, setError, busy, send } = useFormSubmit(fields, onDone);

  const submit = async (event: Event) => {
    event.preventDefault();
    const extra = parseMore(more);
    if (typeof extra === 'string') {
      return setError({
        field: 'attributes.more',
        message: extra,
        hint: 'write a JSON object, or leave it empty',
      });
    }
    const sent: Record<string, unknown> = { ...extra };
    for (const field of attributes) {
      const text = values[field.name] ?? '';
      if (text.trim() !== '') sent[field.name] = attributeValue(field, text);
    }
    const body: Record<string, unknown> = { attributes: sent };
    if (toxicity.trim() !== '') body.toxicity = typedValue(toxicity);
    return send(async () => {
      if (current === undefined) {
        await api('POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, {
          type,
          stream,
          ...(name.trim() === '' ? {} : { name: name.trim() }),
          ...body,
        });
      } else {
        await api(
          'POST',
          `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(current.name)}`,
          body,
        );
      }
    });
  };

  return (
    <form
      ref={form}
      class="toxic-form"
      noValidate
      aria-label={current === undefined ? `Add a toxic to ${proxy}` : `Change toxic ${current.name}`}
      onSubmit={(event) => void submit(event)}
      onKeyDown={(event) => event.key === 'Escape' && onDone()}
    >
      <FormLevelError error={error} />
      <div class="row">
        <Field id={`${prefix}-type`} label="Type" field="type" error={error} note={summaryOf(type)}>
          {(props) => (
            <select
              {...props}
              name="type"
              value={type}
              disabled={current !== undefined}
              onChange={(event) => {
                setType(event.currentTarget.value);
                setValues({});
              }}
            >
              {toxicTypes.map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id={`${prefix}-name`} label="Name" field="name" error={error}>
          {(props) => (
            <input
              {...props}
              name="name"
              value={name}
              placeholder={`${type}_${stream}`}
              disabled={current !== undefined}
              onInput={(event) => setName(event.currentTarget.value)}
            />
          )}
        </Field>
        <Field
          id={`${prefix}-stream`}
          label="Stream"
          field="stream"
          error={error}
          note="downstream: server to client; upstream: client to server"
        >
          {(props) => (
            <select
              {...props}
              name="stream"
              value={stream}
              disabled={current !== undefined}
              onChange={(event) => setStream(event.currentTarget.value)}
            >
              <option value="downstream">downstream</option>
              <option value="upstream">upstream</option>
            </select>
          )}
        </Field>
        <Field id={`${prefix}-toxicity`} label="Toxicity (0–1)" field="toxicity" error={error}>
          {(props) => (
            <input
              {...props}
              name="toxicity"
              inputMode="decimal"
              value={toxicity}
              placeholder="1"
              onInput={(event) => setToxicity(event.currentTarget.value)}
            />
          )}
        </Field>
      </div>
      <div class="row">
        {attributes.map((field) => (
          <Field
            key={`${type}-${field.name}`}
            id={`${prefix}-attr-${field.name}`}
            label={field.label}
            field={`attributes.${field.name}`}
            error={error}
            note={field.description}
          >
            {(props) => (
              <AttributeInput
                field={field}
                props={props}
                value={values[field.name] ?? ''}
                onValue={(value) => setValues({ ...values, [field.name]: value })}
              />
            )}
          </Field>
        ))}
      </div>
      <Field
        id={`${prefix}-more`}
        label="Other attributes (JSON object, optional)"
        field="attributes.more"
        error={error}
        note='Merged into "attributes": what the fields above do not cover, such as a match or a counter of toxics that have them.'
      >
        {(props) => (
          <textarea
            {...props}
            name="attributes.more"
            rows={2}
            value={more}
            spellcheck={false}
            onInput={(event) => setMore(event.currentTarget.value)}
          />
        )}
      </Field>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {current === undefined ? 'Add toxic' : 'Save toxic'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

interface AttributeInputProps {
  field: AttributeField;
  props: Record<string, unknown>;
  value: string;
  onValue: (value: string) => void;
}

/** A select for a choice (empty: the default), a text box for everything else. */
function AttributeInput({ field, props, value, onValue }: AttributeInputProps) {
  const name = `attributes.${field.name}`;
  if (field.choices !== undefined) {
    return (
      <select {...props} name={name} value={value} onChange={(event) => onValue(event.currentTarget.value)}>
        <option value="">default ({field.placeholder})</option>
        {field.choices.map((choice) => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
      </select>
    );
  }
  return (
    <input
      {...props}
      name={name}
      inputMode={field.kind === 'integer' ? 'numeric' : 'text'}
      value={value}
      placeholder={field.placeholder}
      onInput={(event) => onValue(event.currentTarget.value)}
    />
  );
}

/** The free-form attributes: an object, or a message saying why the text is not one. */
function parseMore(text: string): Record<string, unknown> | string {
  if (text.trim() === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
    return `not a JSON object: ${JSON.stringify(value)}`;
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
}
