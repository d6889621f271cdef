import { ApiError } from './api.js';
import { fieldOf } from './field-of.js';

/** A failed request's message, placed at the field it is about or, with `field` unset, atop the form. */
export interface FormError {
  field: string | undefined;
  message: string;
  hint: string | undefined;
}

export function formError(error: unknown, fields: readonly string[]): FormError {
  if (error instanceof ApiError) {
    return { field: fieldOf(error, fields), message: error.error, hint: error.hint };
  }
  return { field: undefined, message: (error as Error).message, hint: undefined };
}

/**
 * A number where the text is one, else the text itself: the server, not the page, decides what
 * is valid, so a wrong value reaches it and comes back with its message.
 */
export function typedValue(text: string): number | string {
  const trimmed = text.trim();
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
}
