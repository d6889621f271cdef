import type { AttributeSpec } from '../model/toxics/index.js';
import { typedValue } from './form-error.js';

/** How the toxic form shows one attribute, whatever its kind (integer, choice, text or JSON). */
export interface AttributeField {
  name: string;
  label: string;
  description: string;
  kind: string;
  placeholder: string;
  /** For a choice: the values it takes. */
  choices: readonly string[] | undefined;
}

export function attributeField(spec: AttributeSpec): AttributeField {
  // Read as plain data: attributes without a kind are Toxiproxy's integers, with a unit.
  const fields = spec as unknown as Record<string, unknown>;
  const kind = typeof fields.kind === 'string' ? fields.kind : 'integer';
  const unit = typeof fields.unit === 'string' && fields.unit !== '' ? fields.unit : undefined;
  return {
    name: spec.name,
    label: unit === undefined ? spec.name : `${spec.name} (${unit})`,
    description: spec.description,
    kind,
    placeholder: attributeText(spec.default),
    choices: Array.isArray(fields.choices) ? fields.choices.map(String) : undefined,
  };
}

/** An attribute's value as the form shows it. */
export function attributeText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * What the form sends for a field's text: integers as numbers where the text is one, JSON parsed
 * where it parses, anything else as typed, for the server to judge and explain.
 */
export function attributeValue(field: AttributeField, text: string): unknown {
  if (field.kind === 'integer') return typedValue(text);
  if (field.kind !== 'json') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
