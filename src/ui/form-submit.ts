import { useState } from 'preact/hooks';
import { formError, type FormError } from './form-error.js';

/**
 * A form's send cycle: busy while its request runs, the server's message placed at the field it
 * names (one of `fields`) when it fails, `onDone` when it succeeds.
 */
export function useFormSubmit(fields: readonly string[], onDone: () => void) {
  const [error, setError] = useState<FormError>();
  const [busy, setBusy] = useState(false);
  const send = async (request: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await request();
      setError(undefined);
      onDone();
    } catch (failure) {
      setError(formError(failure, fields));
    } finally {
      setBusy(false);
    }
  };
  return { error, setError, busy, send };
}
