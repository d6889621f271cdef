import type { ComponentChildren } from 'preact';
import type { FormError } from './form-error.js';

interface FieldProps {
  id: string;
  label: string;
  field: string;
  error: FormError | undefined;
  note?: string;
  children: (described: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby'?: string;
  }) => ComponentChildren;
}

/** A labelled control with the server's message for it right below, announced to screen readers. */
export function Field({ id, label, field, error, note, children }: FieldProps) {
  const failed = error !== undefined && error.field === field;
  const describedBy = [failed ? `${id}-error` : '', note === undefined ? '' : `${id}-note`]
    .filter(Boolean)
    .join(' ');
  return (
    <div class={`field${failed ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children({ id, 'aria-invalid': failed, ...(describedBy ? { 'aria-describedby': describedBy } : {}) })}
      {note === undefined ? null : (
        <small id={`${id}-note`} class="note">
          {note}
        </small>
      )}
      {failed ? <ErrorText id={`${id}-error`} error={error} /> : null}
    </div>
  );
}

export function ErrorText({ id, error }: { id?: string; error: FormError }) {
  return (
    <p id={id} class="error" role="alert" data-field={error.field ?? ''}>
      <strong>{error.message}</strong>
      {error.hint === undefined ? null : <span class="hint">{error.hint}</span>}
    </p>
  );
}

/** The message of an error no field claims, shown at the top of its form. */
export function FormLevelError({ error }: { error: FormError | undefined }) {
  return error !== undefined && error.field === undefined ? <ErrorText error={error} /> : null;
}
